"""Every route of the node's pages (members', group admins', node admins'), for fedi/app.py.

They come before the ActivityPub routes that share their paths (`/groups/{name}`): a page
route answers browsers and hands anything else on (fedi/web/negotiation.py).
"""

from starlette.routing import BaseRoute

from fedi.web import (
    admin_account_pages,
    admin_audit_page,
    admin_domain_pages,
    admin_report_pages,
    admin_settings_pages,
    auth_pages,
    composer,
    follow_page,
    group_admin_pages,
    group_pages,
    group_post_moderation,
    group_settings_pages,
    home,
    manifest,
    notifications_page,
    profile_settings,
    public_profiles,
    remote_follow,
    search_page,
    sign_up_pages,
    status_pages,
    tag_page,
)

MODULES = (
    auth_pages,
    composer,
    home,
    manifest,
    status_pages,
    notifications_page,
    profile_settings,
    follow_page,
    search_page,
    tag_page,
    admin_domain_pages,
    admin_report_pages,
    admin_account_pages,
    admin_audit_page,
    admin_settings_pages,
    sign_up_pages,
    public_profiles,
    remote_follow,
    group_pages,
    group_admin_pages,
    group_settings_pages,
    group_post_moderation,
)


def routes() -> list[BaseRoute]:
    return [route for module in MODULES for route in module.routes()]
