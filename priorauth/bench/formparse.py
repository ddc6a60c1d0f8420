"""What a browser would submit for a page's POST forms (used by the load test and queries step)."""

from __future__ import annotations

from html.parser import HTMLParser


class FormValues(HTMLParser):
    """Collect what a browser would submit for each <form method=post>; ``fields`` is the largest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._select_multiple = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._option_value: str | None = None

    def handle_starttag(self, tag: str, attrs_list: list) -> None:  # type: ignore[override]
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if (
            tag == "form"
            and attrs.get("method", "").lower() == "post"
            and not self.in_form
        ):
            self.in_form = True
            self.fields = []
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append(
                (
                    name,
                    attrs.get("value", "on" if kind in ("checkbox", "radio") else ""),
                )
            )
        elif tag == "select" and name and "disabled" not in attrs:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._select_multiple = "multiple" in attrs
        elif tag == "option" and self._select is not None:
            value = attrs.get("value")
            self._option_value = value
            if value is not None and self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_chosen = True
                self.fields.append((self._select, value if value is not None else ""))
        elif tag == "textarea" and name and "disabled" not in attrs:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if (
                not self._select_chosen
                and not self._select_multiple
                and self._select_first is not None
            ):
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append(
                (self._textarea, text[1:] if text.startswith("\n") else text)
            )
            self._textarea = None
        elif tag == "form" and self.in_form:
            self.forms.append(self.fields)
            self.in_form = False

    def largest(self) -> list[tuple[str, str]]:
        return max(self.forms, key=len, default=[])
