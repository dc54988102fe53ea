"""HTML preview of the annotations (``reports/preview/index.html``).

Per painting: the target, every keyframe with its difference mask tinted over it, the
instruction and dt, and the frames the clean stage rejected with their reasons. Images
are small JPEG thumbnails beside the page, so it opens from disk in any browser.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
from PIL import Image

from ..media.images import write_image
from ..pipeline import NoItems, atomic_dir, atomic_write_text
from ..records import StepsDoc
from .paintings import steps_files

THUMB_HEIGHT = 120
STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;background:#fafafa;color:#222}
h1{font-size:22px} h2{font-size:18px;margin-top:32px} .meta{color:#555;font-size:13px}
.steps{display:flex;flex-wrap:wrap;gap:10px} figure{margin:0;background:#fff;border:1px solid #ddd;padding:6px}
figcaption{font-size:12px;max-width:240px} img{display:block;height:120px}
table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ccc;padding:3px 8px}
"""


def _thumb(path: Path, mask: Path | None = None) -> np.ndarray:
    with Image.open(path) as im:
        im = im.convert("RGB")
        size = (max(1, round(im.width * THUMB_HEIGHT / im.height)), THUMB_HEIGHT)
        rgb = np.asarray(im.resize(size, Image.Resampling.BILINEAR)).astype(np.float32)
    if mask is not None:
        with Image.open(mask) as m:
            sel = np.asarray(m.convert("L").resize(size, Image.Resampling.NEAREST)) > 127
        rgb[sel] = 0.55 * rgb[sel] + 0.45 * np.array([230, 30, 60], np.float32)
    return rgb.astype(np.uint8)


def _painting_section(doc: StepsDoc, out: Path, folder: str) -> str:
    root, pid = doc.root, doc.painting_id
    write_image(out / folder / "target.jpg", _thumb(root / doc.target), quality=88)
    parts = [f"<section id='{html.escape(pid)}'><h2>{html.escape(pid)}</h2>",
             f"<p class='meta'>{html.escape(doc.title)} &middot; origin {html.escape(doc.origin)} "
             f"&middot; {html.escape(doc.licence or 'licence unknown')} &middot; "
             f"masks: {html.escape(doc.mask_backend)} &middot; labels: "
             f"{html.escape(doc.label_backend)}</p>",
             f"<div class='steps'><figure><img src='{folder}/target.jpg' alt='target'>"
             "<figcaption><b>target</b></figcaption></figure>"]
    for s in doc.steps:
        name = f"{folder}/step-{s.step:03d}.jpg"
        write_image(out / name, _thumb(root / s.next, root / s.mask), quality=88)
        parts.append(f"<figure><img src='{name}' alt='step {s.step}'><figcaption>step {s.step}: "
                     f"<b>{html.escape(s.text)}</b><br>t {s.t:.1f} s, dt {s.dt:.1f} s"
                     f"{' (estimated)' if s.dt_estimated else ''}, changed "
                     f"{100 * s.changed_fraction:.1f}%</figcaption></figure>")
    parts.append("</div>")
    rejected = doc.rejected
    parts.append(f"<h3>Rejected frames ({len(rejected)})</h3>")
    if rejected:
        parts.append("<table><tr><th>t (s)</th><th>reason</th></tr>")
        parts += [f"<tr><td>{float(r.get('t', 0)):.1f}</td><td>{html.escape(str(r.get('reason', '')))}</td></tr>"
                  for r in rejected]
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


def write_preview(annotations: str | os.PathLike, out_dir: str | os.PathLike, max_paintings: int = 50) -> Path:
    """Write ``<out_dir>/index.html`` and its thumbnails (folder replaced atomically)."""
    docs = [StepsDoc.read(p) for p in steps_files(annotations)[:max_paintings]]
    if not docs:
        raise NoItems(f"{annotations}: no annotated paintings to preview (expected <id>/steps.json from `annotate`)")
    out_dir = Path(out_dir)
    with atomic_dir(out_dir, writer="preview") as tmp:
        sections = [_painting_section(doc, tmp, f"p{i:03d}") for i, doc in enumerate(docs)]
        index = "".join(f"<li><a href='#{html.escape(d.painting_id)}'>{html.escape(d.painting_id)}</a> "
                        f"({len(d.steps)} steps, {html.escape(d.origin)})</li>" for d in docs)
        page = (f"<!doctype html><html><head><meta charset='utf-8'><title>Annotation preview</title>"
                f"<style>{STYLE}</style></head><body><h1>Annotation preview: {len(docs)} paintings</h1>"
                f"<p class='meta'>Red tint: difference mask of the step.</p><ul>{index}</ul>"
                + "\n".join(sections) + "</body></html>")
        atomic_write_text(tmp / "index.html", page)
    return out_dir / "index.html"
