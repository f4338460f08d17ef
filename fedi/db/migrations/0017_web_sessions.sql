-- The node's own pages sign members in through its OAuth flow: each browser session is an access
-- token of the built-in web app. The member's session list shows which browser holds which one
-- (the User-Agent it signed in with; no IP address is kept).
ALTER TABLE oauth_tokens ADD COLUMN user_agent text;


-- The language a member chose for the pages; NULL follows the browser's Accept-Language.
ALTER TABLE users ADD COLUMN interface_language text;
