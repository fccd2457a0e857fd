import datetime
import decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from chatstudio.renderers import FastJSONRenderer, RenderedJSON, render_json

PAYLOAD = {
    "title": '对话 \u2028 line \u2029 end "quoted" </script>',
    "when": datetime.datetime(2026, 11, 21, 8, 30, 1, 250000, tzinfo=datetime.UTC),
    "day": datetime.date(2026, 11, 21),
    "cost": decimal.Decimal("0.0125"),
    "label": gettext_lazy("Not found."),
    "nested": [{"id": 1, "tokens": None, "ok": True, "ratio": 0.5}],
    7: "int key",
}


def test_the_same_bytes_as_drfs_renderer():
    assert FastJSONRenderer().render(PAYLOAD) == JSONRenderer().render(PAYLOAD)


def test_rendered_json_is_embedded_as_is():
    page = render_json([{"id": "c1", "messages": []}])
    assert (
        FastJSONRenderer().render({"conversations": RenderedJSON(page)})
        == b'{"conversations":[{"id":"c1","messages":[]}]}'
    )


def test_an_indented_request_is_still_honoured():
    rendered = FastJSONRenderer().render({"a": 1}, "application/json; indent=2", {})
    assert rendered == b'{\n  "a": 1\n}'
