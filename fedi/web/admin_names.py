"""The admin API's codes (severities, categories, actions) as the moderation pages name them."""

from fedi.web.i18n import N_

FEDERATION_MODES = {
    "open": N_("Block list"),
    "allowlist": N_("Allow list"),
}
MODE_EXPLANATIONS = {
    "open": N_(
        "This node federates with every server except the domains blocked below."
        " Use it to keep in touch with the wider fediverse."
    ),
    "allowlist": N_(
        "This node federates only with the domains allowed below; everything from any other"
        " server is refused and nothing is sent to it. Blocks still apply to allowed domains."
    ),
}
SEVERITIES = {
    "noop": N_("No limit"),
    "silence": N_("Limit"),
    "suspend": N_("Suspend"),
}
SEVERITY_EXPLANATIONS = {
    "noop": N_("Nothing is hidden; use it with the media or reports options."),
    "silence": N_("Its accounts are hidden from everyone who does not follow them."),
    "suspend": N_("Nothing is received from or sent to it, and what came from it is removed."),
}
REPORT_CATEGORIES = {
    "spam": N_("Spam"),
    "legal": N_("Illegal content"),
    "violation": N_("Rule violation"),
    "other": N_("Other"),
}
# Mastodon's Admin::AccountAction types, as the action form offers them; `none` is a warning.
ACCOUNT_ACTIONS = {
    "none": N_("Warn"),
    "sensitive": N_("Mark media as sensitive"),
    "disable": N_("Disable sign-in"),
    "silence": N_("Limit"),
    "suspend": N_("Suspend"),
}
# What lifts each state, and the state it lifts (the Admin::Account flag).
ACCOUNT_LIFTS = {
    "unsuspend": ("suspended", N_("Lift the suspension")),
    "unsilence": ("silenced", N_("Lift the limit")),
    "unsensitive": ("sensitized", N_("Stop marking media as sensitive")),
    "enable": ("disabled", N_("Enable sign-in")),
}
ACCOUNT_STATUSES = {
    "active": N_("Active"),
    "pending": N_("Waiting for approval"),
    "disabled": N_("Sign-in disabled"),
    "silenced": N_("Limited"),
    "suspended": N_("Suspended"),
    "sensitized": N_("Media marked sensitive"),
}
ACCOUNT_ORIGINS = {
    "local": N_("This node"),
    "remote": N_("Other servers"),
}
AUDIT_ACTIONS = {
    "domain_block.create": N_("Blocked a domain"),
    "domain_block.update": N_("Changed a domain block"),
    "domain_block.destroy": N_("Unblocked a domain"),
    "domain_allow.create": N_("Allowed a domain"),
    "domain_allow.destroy": N_("Removed an allowed domain"),
    "federation_mode.update": N_("Changed the federation mode"),
    "show_domain_blocks": N_("Changed who sees the domain blocks"),
    "account.warn": N_("Warned an account"),
    "account.sensitive": N_("Marked an account's media as sensitive"),
    "account.unsensitive": N_("Stopped marking an account's media as sensitive"),
    "account.disable": N_("Disabled an account's sign-in"),
    "account.enable": N_("Enabled an account's sign-in"),
    "account.silence": N_("Limited an account"),
    "account.unsilence": N_("Lifted an account's limit"),
    "account.suspend": N_("Suspended an account"),
    "account.unsuspend": N_("Lifted an account's suspension"),
    "account.approve": N_("Approved a sign-up"),
    "account.reject": N_("Rejected a sign-up"),
    "invitation.create": N_("Created an invitation"),
    "invitation.revoke": N_("Revoked an invitation"),
    "instance.update": N_("Changed the node's settings"),
    "report.assign": N_("Took a report"),
    "report.unassign": N_("Gave up a report"),
    "report.resolve": N_("Resolved a report"),
    "report.reopen": N_("Reopened a report"),
}
AUDIT_TARGETS = {
    "domain": N_("Domain"),
    "account": N_("Account"),
    "report": N_("Report"),
    "invitation": N_("Invitation"),
    "instance": N_("This node"),
}
