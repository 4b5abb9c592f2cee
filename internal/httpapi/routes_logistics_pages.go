package httpapi

// logisticsPageRoutes are the pages of parcels, tasks and notifications.
var logisticsPageRoutes = []route{}
