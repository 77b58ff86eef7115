-- Bounce Desk store, version 6: an account signs in with a password or with OAuth 2.0 through
-- the application the operator registered (its tokens live in the OS keyring, never here).
ALTER TABLE accounts ADD COLUMN sign_in TEXT NOT NULL DEFAULT 'password';   -- password | oauth
ALTER TABLE accounts ADD COLUMN oauth_provider TEXT;        -- microsoft | google | issuer URL
ALTER TABLE accounts ADD COLUMN oauth_client_id TEXT;
ALTER TABLE accounts ADD COLUMN oauth_client_secret TEXT;   -- only where the provider wants one
ALTER TABLE accounts ADD COLUMN oauth_scopes TEXT;          -- JSON array; NULL: the provider's
ALTER TABLE accounts ADD COLUMN oauth_device_code INTEGER NOT NULL DEFAULT 0;
