"""Audio replies (`modalities: ["text", "audio"]`): a short clip of silence in the requested
container, as `message.audio` carries it (base64).

Only the container matters to a test suite (a client decodes and stores it), so every clip is
10 ms of silence at 24 kHz mono, 16-bit: a complete RIFF/WAVE file for `wav`, raw samples for
`pcm16`, and for the compressed formats a well-formed header (`fLaC` STREAMINFO, an Ogg page
with `OpusHead`, one silent MPEG-1 Layer III frame, one ADTS frame).
"""

from __future__ import annotations

import base64
import struct
from typing import Any

__all__ = ["audio_clip", "audio_reply"]

_RATE = 24_000
_SAMPLES = _RATE // 100  # 10 ms
_AUDIO_TTL = 3600  # seconds `message.audio.id` can be referenced, as on OpenAI


def _wav() -> bytes:
    data = b"\0\0" * _SAMPLES
    fmt = struct.pack("<HHIIHH", 1, 1, _RATE, _RATE * 2, 2, 16)  # PCM, mono, 16-bit
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data))
        + b"WAVEfmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )


def _flac() -> bytes:
    # STREAMINFO: block sizes, unknown frame sizes, then 20 bits rate, 3 bits channels - 1,
    # 5 bits bits-per-sample - 1, 36 bits total samples; an all-zero MD5.
    packed = (_RATE << 44) | (0 << 41) | (15 << 36) | _SAMPLES
    info = struct.pack(">HH", 4096, 4096) + b"\0" * 6 + packed.to_bytes(8, "big") + b"\0" * 16
    return b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info  # last block


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def _opus() -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, _RATE, 0, 0)
    page = (
        b"OggS"
        + struct.pack("<BBqIII", 0, 0x02, 0, 1, 0, 0)  # beginning of stream, CRC zeroed
        + bytes([1, len(head)])
        + head
    )
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def _mp3() -> bytes:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono: 417-byte frames; all-zero side info and
    # main data decode to silence.
    return b"\xff\xfb\x90\xc4" + b"\0" * 413


def _aac() -> bytes:
    # One ADTS frame (AAC-LC, 24 kHz, mono, no CRC) holding a silent single-channel element.
    payload = b"\x00\xc8\x00\x00\x07"  # SCE, global gain, no sections, then END
    length = 7 + len(payload)
    header = (0xFFF << 44) | (1 << 40) | (1 << 38) | (6 << 34) | (1 << 30) | (length << 13)
    header |= 0x7FF << 2
    return header.to_bytes(7, "big") + payload


_CLIPS = {
    "wav": _wav,
    "pcm16": lambda: b"\0\0" * _SAMPLES,
    "flac": _flac,
    "opus": _opus,
    "mp3": _mp3,
    "aac": _aac,
}


def audio_clip(fmt: str) -> bytes:
    """10 ms of silence in the container `fmt` (`wav`, `pcm16`, `flac`, `opus`, `mp3`, `aac`)."""
    return _CLIPS[fmt]()


def audio_reply(transcript: str, fmt: str, seq: int, created: int) -> dict[str, Any]:
    """The `message.audio` object of a reply whose spoken text is `transcript`."""
    return {
        "id": f"audio_emu{seq:010d}",
        "data": base64.b64encode(audio_clip(fmt)).decode("ascii"),
        "expires_at": created + _AUDIO_TTL,
        "transcript": transcript,
    }
