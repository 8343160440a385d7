"""Consents (授权展码): a holder lets one department see named licence types for one
service item, for one case (一事一授权, the default) or a time window. A consent's id is
the token verification's evidence request accepts; ``consent.grant.*`` events carry
everything verification needs to keep its own read model."""
