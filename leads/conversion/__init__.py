"""Converting a lead into an account, a contact and a deal: matching the lead to existing accounts and contacts
and the workflow itself (service), the convert form (forms), the page and the admin action (views)."""
