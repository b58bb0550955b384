"""Where the tests find the repository's files. tests/ is a package whose folders mirror
minikeras/ (tests/layers/ tests minikeras/layers/, ...); reference data shared by several test
modules lives in tests/data/."""
import pathlib

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
