package httpapi

// adminPageRoutes are the admin pages (/admin): policies, users and tokens, the business
// calendar, the audit log and the order import.
var adminPageRoutes = []route{}
