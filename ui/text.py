"""Text from data or from the URL, shown as plain text in elements that render Markdown.

Streamlit renders Markdown (GitHub-flavoured, with its own directives ``:red[…]``,
``:material/icon:``, emoji ``:smile:`` and ``$math$``) in ``st.markdown``, ``st.caption``,
``st.write`` of a string, ``st.title``/``header``/``subheader``, ``st.info``/``success``/``warning``/
``error``, ``st.toast``, ``st.progress`` text, ``st.metric`` label, value and delta, the labels of
``st.expander``, ``st.tabs``, ``st.page_link``, buttons (download buttons too), checkboxes and other
widgets, ``st.radio`` options, ``st.table`` cells and every ``help`` tooltip. It renders none in
``st.text``, ``st.code``, ``st.dataframe`` cells (link columns' display text included) and
``st.selectbox`` options (``format_func``). A unit's name ``![px](http://…)`` would be drawn as an
image (the browser fetching it), ``[…](http://…)`` as a link: every string from data (unit and
branch names, file names, user names, messages quoting them) or from the URL goes through ``plain``
before it is put into such an element.
"""

from __future__ import annotations

import re

from ingest.excel_safe import printable

# Markdown syntax anywhere in a line: escapes, code, emphasis, strikethrough, links and images, HTML
# and "<…>" autolinks, entities, math, tables. A backslash before ASCII punctuation is that
# character, literally (CommonMark 2.4), and stops the construct it would start.
_INLINE = re.compile(r"([\\`*~\[\]<>&$|])")
# "_" between two letters or digits neither opens nor closes emphasis (CommonMark 6.2): a file's
# name "bao-cao_X07_2026-Q3.xlsx" is left as it is; any other "_" is escaped.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# What starts a block only at the beginning of a line: headings, lists ("-", "+", "1." or "1)"),
# setext underlines ("=", "-"). Quotes (">") and "*" lists are escaped above.
_LINE_START = re.compile(r"^(?:[#+=-]|\d+(?=[.)]))")
# What Streamlit and GFM recognise in the text after escapes are resolved, so that no backslash
# stops it: links made of bare addresses ("http://…", "www.…", "a@b.vn"), Streamlit's directives,
# icons and emoji (":red[…]", ":material/x:", ":streamlit:", ":smile:") and its arrows and dashes
# ("->", "--", ">="). An invisible WORD JOINER (U+2060) after the first character breaks each.
JOINER = "\u2060"
_TEXT_LEVEL = re.compile(r"(?i)(?<=:)(?=[\w/])|(?<=@)(?=\w)|(?<=\bwww)(?=\.)|(?<=(?<!\S)[-<>~])(?=(?:->|[->=])(?!\S))")


def plain(value: object) -> str:
    """``value`` as Markdown that Streamlit shows exactly as written: no link, image, emphasis,
    heading, list, icon or emoji can come of it. Control characters are dropped.

    Each line is escaped on its own and loses its leading white space (Markdown would read four
    spaces as code; HTML shows none of it anyway); line breaks stay line breaks. The text a
    reader sees (and copies) is the value, with the invisible joiners above."""
    lines = printable(str(value)).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for line in lines:
        line = _TEXT_LEVEL.sub(JOINER, line.lstrip(" \t"))
        line = _UNDERSCORE.sub(r"\\_", _INLINE.sub(r"\\\1", line))
        match = _LINE_START.match(line)
        if match and match.group()[0].isdigit():
            line = f"{line[: match.end()]}\\{line[match.end() :]}"  # "1." -> "1\."
        elif match:
            line = "\\" + line
        out.append(line)
    return "  \n".join(out)
