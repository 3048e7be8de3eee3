"""The bench app: `streamlit run bench/app.py` (from bench/browser.py) and AppTest (bench/run.py).

The page itself is bench/page.py; see its docstring.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.page import main  # noqa: E402

main()
