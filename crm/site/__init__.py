"""The roof: what spans every app (the URLconf, the dashboard, demo data). It imports the entity apps openly at
module level; nothing else in `crm` imports an entity app."""
