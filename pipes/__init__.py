"""pipes: typed, streaming, async-first runnables for LLM applications.

Everything public is importable from here; `pipes.testing` holds the test doubles and the
conformance kit for provider authors.

Example:
    ```python
    from pipes import ChatPromptTemplate, RunnableLambda, StrOutputParser

    chain = RunnableLambda(lambda x: x + 1) | (lambda x: x * 2)
    chain.invoke(1)  # 4
    ```

The exceptions load with `import pipes`; every other name loads its module on first use
(PEP 562): a script that only composes functions never pays for messages, schemas, prompts,
parsers, tools or the chat-model base (which need pydantic's model machinery), and a chat
model's first call never pays for graphs, fallbacks or the event stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _errors
from ._errors import *  # noqa: F403
from ._lazy import LAZY, install_lazy_getattr

if TYPE_CHECKING:
    from . import (
        _core,
        _documents,
        _embeddings,
        _history,
        _load,
        _messages,
        _models,
        _parsers,
        _prompts,
        _retrievers,
        _schema,
        _tools,
        _usage,
        _vectorstores,
    )
    from ._core import *  # noqa: F403
    from ._documents import *  # noqa: F403
    from ._embeddings import *  # noqa: F403
    from ._history import *  # noqa: F403
    from ._load import *  # noqa: F403
    from ._messages import *  # noqa: F403
    from ._models import *  # noqa: F403
    from ._parsers import *  # noqa: F403
    from ._prompts import *  # noqa: F403
    from ._retrievers import *  # noqa: F403
    from ._schema import *  # noqa: F403
    from ._tools import *  # noqa: F403
    from ._usage import *  # noqa: F403
    from ._vectorstores import *  # noqa: F403

__version__ = "0.1.0"

# Each public name is written once: in the ``__all__`` of the layer that defines it, which
# pipes re-exports. ``_errors`` loads with ``import pipes``; every other name on first use
# (PEP 562 ``__getattr__``, through the generated table ``pipes._lazy.LAZY``), so a script
# that only composes functions never pays for messages or models.
__all__ = ["__version__"]
__all__ += _errors.__all__
if TYPE_CHECKING:  # type checkers read the layers' lists; at run time they are not loaded yet
    __all__ += _core.__all__
    __all__ += _messages.__all__
    __all__ += _schema.__all__
    __all__ += _prompts.__all__
    __all__ += _parsers.__all__
    __all__ += _tools.__all__
    __all__ += _models.__all__
    __all__ += _usage.__all__
    __all__ += _documents.__all__
    __all__ += _embeddings.__all__
    __all__ += _history.__all__
    __all__ += _load.__all__
    __all__ += _retrievers.__all__
    __all__ += _vectorstores.__all__
else:
    __all__ += LAZY

install_lazy_getattr(globals())


def __dir__() -> list[str]:
    return sorted(__all__)
