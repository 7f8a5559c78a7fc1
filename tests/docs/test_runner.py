"""The doc-example runner itself: markers parse, failures and wrong outputs are caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._runner import DocExampleError, parse_page, run_page

PAGE = """\
# Title

```python
x = 1
```

<!-- no-run: needs a real key -->
```python
raise SystemExit("never runs")
```

```bash
echo not python
```

```python
print(x + 1)
```

<!-- output -->
```text
2
```

<!-- setup
y = 40
-->

```python
print(y + x + 1)
```
"""


def _page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text)
    return path


def test_parse_kinds_and_reasons() -> None:
    blocks = parse_page(PAGE)
    assert [b.kind for b in blocks] == ["run", "skip", "other", "run", "output", "setup", "run"]
    assert blocks[1].reason == "needs a real key"
    assert blocks[3].expected_output == "2\n"
    assert blocks[0].line == 3


def test_run_page_shares_one_namespace_in_order(tmp_path: Path) -> None:
    run_page(_page(tmp_path, PAGE))


def test_a_failing_example_fails_with_page_and_line(tmp_path: Path) -> None:
    path = _page(tmp_path, "text\n\n```python\n1 / 0\n```\n")
    with pytest.raises(DocExampleError, match=r"page\.md:3: example failed with ZeroDivisionError"):
        run_page(path)


def test_wrong_output_fails(tmp_path: Path) -> None:
    path = _page(tmp_path, "```python\nprint(3)\n```\n<!-- output -->\n```text\n4\n```\n")
    with pytest.raises(DocExampleError, match="printed something else"):
        run_page(path)


def test_output_supports_ellipsis(tmp_path: Path) -> None:
    path = _page(
        tmp_path, "```python\nprint('a long line')\n```\n<!-- output -->\n```text\na ...\n```\n"
    )
    run_page(path)


def test_top_level_await_runs(tmp_path: Path) -> None:
    code = "```python\nimport asyncio\nawait asyncio.sleep(0)\nprint('done')\n```\n"
    path = _page(tmp_path, code + "<!-- output -->\n```text\ndone\n```\n")
    run_page(path)


def test_no_run_without_reason_is_rejected() -> None:
    with pytest.raises(DocExampleError, match="needs a reason"):
        parse_page("<!-- no-run -->\n```python\nx\n```\n")


def test_marker_must_precede_a_fence() -> None:
    with pytest.raises(DocExampleError, match="must be followed by a fenced code block"):
        parse_page("<!-- no-run: why -->\nsome prose\n```python\nx\n```\n")


def test_output_must_follow_a_python_block() -> None:
    with pytest.raises(DocExampleError, match="must directly follow"):
        parse_page("<!-- output -->\n```text\n1\n```\n")
    with pytest.raises(DocExampleError, match="must directly follow"):
        parse_page("```bash\nls\n```\n<!-- output -->\n```text\n1\n```\n")


def test_output_after_a_skipped_block_is_not_checked(tmp_path: Path) -> None:
    page = (
        "<!-- no-run: needs a key -->\n```python\nprint(1)\n```\n<!-- output -->\n```text\n2\n```\n"
    )
    run_page(_page(tmp_path, page))


def test_indented_fences_are_dedented(tmp_path: Path) -> None:
    path = _page(tmp_path, "!!! note\n    ```python\n    print(1)\n    ```\n")
    blocks = run_page(path)
    assert blocks[0].code == "print(1)\n"


def test_typecheck_and_pytest_blocks_are_not_run(tmp_path: Path) -> None:
    page = (
        "<!-- typecheck -->\n```python\nraise SystemExit(1)\n```\n"
        "<!-- output -->\n```text\nexample.py:1: error\n```\n"
        "<!-- pytest -->\n```python\nraise SystemExit(2)\n```\n"
    )
    blocks = run_page(_page(tmp_path, page))
    assert [b.kind for b in blocks] == ["typecheck", "output", "pytest"]
    assert blocks[0].expected_output == "example.py:1: error\n"
