package httpapi

// webhookPageRoutes are the pages of webhooks and of password resets.
var webhookPageRoutes = []route{}
