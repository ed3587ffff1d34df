// A real OpenID Connect provider for the login tests: oidc-provider with its development login form.
// OIDC_PORT: port; OIDC_REDIRECT: the app's /oauth2callback; OIDC_USERS: {"login": {"email": ..., "groups": [...]}}.
// Any password is accepted for a listed login (the form is oidc-provider's devInteractions); unknown logins fail.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const users = JSON.parse(process.env.OIDC_USERS || '{}');
const app = process.env.OIDC_REDIRECT;
const provider = new Provider(`http://localhost:${port}`, {
  clients: [{
    client_id: 'promocast',
    client_secret: 'promocast-test-secret',
    redirect_uris: [app],
    post_logout_redirect_uris: [app, new URL(app).origin + '/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  conformIdTokenClaims: false, // the ID token carries the e-mail and groups (st.user reads the ID token)
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['promocast-test-cookie-key'] },
  async findAccount(ctx, id) {
    const u = users[id];
    if (!u) return undefined;
    return { accountId: id, async claims() { return { sub: id, email: u.email, email_verified: true, name: id, groups: u.groups || [] }; } };
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log(`oidc ready on ${port}`));
