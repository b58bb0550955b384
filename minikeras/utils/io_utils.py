"""Where progress and training messages go: stdout while interactive logging is on (the
default), the `logging` module otherwise (`keras.config.disable_interactive_logging`; Keras
uses absl logging there), so that a job on a server keeps its messages in its log."""
import logging
import sys

from minikeras.backend import config

#: the logger that gets the messages while interactive logging is off
LOGGER = logging.getLogger("minikeras")


def print_msg(message, line_break=True):
    """Write `message` to stdout at once (with a newline unless `line_break=False`), or log it
    at INFO level (without the surrounding whitespace and redraw characters of a progress bar)
    when interactive logging is off."""
    message = str(message)
    if config.is_interactive_logging_enabled():
        sys.stdout.write(f"{message}\n" if line_break else message)
        sys.stdout.flush()
        return
    text = message.replace("\b", "").replace("\r", "\n").strip()
    if text:
        LOGGER.info(text)
