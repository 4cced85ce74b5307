"""What a demanding tax office saw walking through the pages (the QA walk), each checked over
HTTP: attributes written as given, ..."""

from __future__ import annotations

import re

from tests.e2e.test_staff_pages_http import signed_in
from tests.support.api import Account


def test_form_attributes_reach_the_browser_unescaped(account: Account, base_url: str) -> None:
    """A field's extra attributes (placeholder, min, max) arrive as attributes, not as
    "&quot;#0b5cad&quot;" that the browser shows in quotes and whose limits it ignores."""
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings").text
    assert 'placeholder="#0b5cad" spellcheck="false"' in page
    assert re.search(r'id="retention-delete_after_complete_days"[^>]* min="1" max="3650"', page)
    assert "=&quot;" not in page
