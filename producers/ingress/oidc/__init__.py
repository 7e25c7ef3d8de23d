"""Sign-in with OpenID Connect providers: the flow, the provider's metadata and keys, the
ID token's verification, and the endpoints (docs/api.md#sign-in-with-a-provider)."""
