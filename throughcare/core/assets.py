"""Copy front-end assets from node_modules (installed from the npm registry) into static files.

Run by `make assets`. Nothing is fetched at run time. The GOV.UK Frontend stylesheet is
rewritten so its asset URLs point under /static/, and the GDS Transport typeface is left
out: it is licensed for services on GOV.UK only, and Throughcare is not one
(docs/decisions/0005-design-system.md).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "node_modules"
OUT = ROOT / "throughcare" / "static" / "vendor"


def build() -> None:
    govuk = NODE / "govuk-frontend" / "dist" / "govuk"
    moj = NODE / "@ministryofjustice" / "frontend" / "moj"
    if not govuk.exists() or not moj.exists():
        sys.exit("node_modules is missing: run `npm ci` (make does this for you)")
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / "govuk").mkdir(parents=True)
    (OUT / "moj").mkdir(parents=True)
    css = (govuk / "govuk-frontend.min.css").read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace('"GDS Transport",', "").replace("url(/assets/", "url(/static/vendor/govuk/assets/")
    (OUT / "govuk" / "govuk-frontend.min.css").write_text(css, encoding="utf-8")
    shutil.copy(govuk / "govuk-frontend.min.js", OUT / "govuk" / "govuk-frontend.min.js")
    shutil.copytree(govuk / "assets" / "images", OUT / "govuk" / "assets" / "images")
    moj_css = (moj / "moj-frontend.min.css").read_text(encoding="utf-8")
    moj_css = moj_css.replace('"GDS Transport",', "").replace("url(/assets/", "url(/static/vendor/moj/assets/")
    (OUT / "moj" / "moj-frontend.min.css").write_text(moj_css, encoding="utf-8")
    shutil.copy(moj / "moj-frontend.min.js", OUT / "moj" / "moj-frontend.min.js")
    if (moj / "assets").exists():
        shutil.copytree(moj / "assets", OUT / "moj" / "assets")
    # Vega-Lite charts (outcomes): the browser builds of vega, vega-lite and vega-embed, served as they are.
    (OUT / "vega").mkdir()
    for package, script in (("vega", "vega.min.js"), ("vega-lite", "vega-lite.min.js"),
                            ("vega-embed", "vega-embed.min.js")):
        shutil.copy(NODE / package / "build" / script, OUT / "vega" / script)
    print(f"assets copied to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    build()
