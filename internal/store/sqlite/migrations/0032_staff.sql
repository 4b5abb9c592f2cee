-- A notification about a merchant's record goes to the merchant's staff and the platform's
-- (StaffFor): the accounts were all read for it, which grows with every merchant on the
-- platform (issue 18). These indexes hold the enabled accounts of each kind.
CREATE INDEX users_merchant_staff ON users (merchant_code) WHERE disabled_at IS NULL;
CREATE INDEX users_platform_staff ON users (username) WHERE role <> 'merchant' AND disabled_at IS NULL;
