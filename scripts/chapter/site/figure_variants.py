"""Figures on phones: where a figure has a narrow variant, show it on narrow screens.

A figure script may draw, beside `figures/NAME.svg`, `figures/NAME-narrow.svg`
(figure_files.narrow): the same figure with its panels stacked or its width cut,
so that its labels stay legible in a phone's column. Each image of such a figure
becomes a <picture> whose source picks the narrow file below the width at which
Material drops its side navigation, the same image and alt text as before.
"""

from __future__ import annotations

import re

# Material's breakpoint for tablets and phones (44.9375em); wider, the column holds
# each figure large enough to read.
NARROW_SCREEN = "(max-width: 44.9375em)"
IMAGE = re.compile(r'<img\b[^>]*\bsrc="(?P<src>[^"]*figures/(?P<name>[^"/]+)\.svg)"[^>]*>')


def with_narrow_variants(html: str, has_file) -> str:
    """html with each image of a figure that has a narrow variant wrapped in a <picture>."""

    def wrap(image: re.Match) -> str:
        narrow = f"figures/{image['name']}-narrow.svg"
        if not has_file(narrow):
            return image[0]
        src = image["src"].removesuffix(".svg") + "-narrow.svg"
        return (
            f'<picture><source media="{NARROW_SCREEN}" srcset="{src}" type="image/svg+xml">'
            f"{image[0]}</picture>"
        )

    return IMAGE.sub(wrap, html)


def on_page_content(html, page, config, files):
    return with_narrow_variants(html, lambda path: files.get_file_from_path(path) is not None)
