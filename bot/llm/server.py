"""llama-cpp-python's OpenAI-compatible server, loading weights as the in-process model does.

`briefing model-server --model FILE --port N …` takes llama_cpp.server's own options. Its `Llama`
would otherwise repack the weights into llama.cpp's extra buffer types, the path that crashes on
CPUs with AMX (see `bot.llm.probe`); BRIEFING_LLAMA_REPACK turns repacking back on. llama.cpp's
own `llama-server` says the same with `--no-repack`.
"""

from __future__ import annotations

import sys

from index.errors import ModelUnavailable


def serve(options: list[str], *, repack: bool) -> None:
    """Run the server in this process until it is stopped."""
    try:
        from llama_cpp.server.__main__ import main
    except ImportError as err:
        raise ModelUnavailable("the model server needs its extras: pip install 'llama-cpp-python[server]'") from err
    from bot.llm.llama import llama_model_defaults

    sys.argv = ["briefing model-server", *options]  # llama_cpp.server reads its options with argparse
    with llama_model_defaults(repack=repack):
        main()
