"""Attachments of remote Notes parsed into a bounded, typed list."""

from activitypub.vocab import MAX_KEPT_ATTACHMENTS, RemoteAttachment, parse_attachments


def test_link_list_prefers_the_file_to_the_page() -> None:
    [found] = parse_attachments(
        {
            "type": "Video",
            "url": [
                {"type": "Link", "href": "https://v.example/w/1", "mediaType": "text/html"},
                {"type": "Link", "href": "https://v.example/1.mp4", "mediaType": "video/mp4"},
            ],
        }
    )
    assert found == RemoteAttachment(
        type="Video",
        url="https://v.example/1.mp4",
        media_type="video/mp4",
        name="",
        blurhash=None,
        width=None,
        height=None,
        focal_point=None,
    )


def test_the_attachments_own_media_type_wins() -> None:
    [found] = parse_attachments(
        [{"type": "Image", "mediaType": "image/png", "url": "https://a.example/x", "width": 3}]
    )
    assert (found.media_type, found.width) == ("image/png", 3)


def test_only_http_urls_and_known_types_are_kept() -> None:
    found = parse_attachments(
        [
            {"type": "Document", "url": "ftp://a.example/x.jpg"},
            {"type": "Document", "url": "https://a.example/" + "x" * 3000},
            {"type": "Hashtag", "url": "https://a.example/tags/x"},
            {"type": ["Audio"], "url": "http://a.example/x.ogg", "summary": "a song"},
        ]
    )
    assert [(a.type, a.url, a.name) for a in found] == [
        ("Audio", "http://a.example/x.ogg", "a song")
    ]


def test_at_most_the_kept_number() -> None:
    items = [{"type": "Image", "url": f"https://a.example/{i}.png"} for i in range(20)]
    assert len(parse_attachments(items)) == MAX_KEPT_ATTACHMENTS
    assert parse_attachments(None) == ()
