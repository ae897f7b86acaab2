"""Generic secrets judged in context (issue 9, kind 6).

Names, message ids, translated text, masked values and placeholders are not credentials; a real
value hidden as the fallback of an environment lookup, or as the password of a `Key=value;`
connection string, is. Each kind has look-alike negatives and true positives that name the line
they expect. The shapes come from false alarms on real merged pull requests (locale files,
config-key tables, ERB templates, ejson files, Django fixtures) and from peers' bug reports.
"""

from __future__ import annotations

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.rules.secrets import check_secrets
from bot.snapshot.model import Snapshot

# Assembled from parts so that push protection and scanners do not take this file for a leak;
# none of them was ever issued.
RANDOM = "q8Wz3Rk1Vn5Ty7Pm" + "Xc2Lb6Hd"
FALLBACK = "s3cr3tV4" + "lue"
DB_PASSWORD = "Xk29!v" + "Lq"
STRIPE_LIVE = "sk_live_" + "51HqLyjWDarjtT1zdp7d9f2c"
KEY_BODY = "MIIEowIBAAKCAQEAvXq8zJ1kq9Lr3t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C2v3"
KEY_HEADER = "-----BEGIN " + "PRIVATE KEY-----"


def found(path: str, *lines: str) -> list[tuple[str, int, str]]:
    """Run the pack on one added file and return (rule, line, severity) per finding."""
    added = tuple(Line(number, text) for number, text in enumerate(lines, 1))
    change = Change(files=(ChangedFile(path, FileStatus.ADDED, added=added),))
    return sorted((f.rule, f.line, f.severity) for f in check_secrets(Snapshot(change)))


GENERIC = "secrets/generic-secret"
DATABASE = "secrets/database-url"


# --- identifiers, key names, message ids and code are not credentials ----------------------


def test_identifier_values_of_key_names_are_silent_and_a_random_value_is_not() -> None:
    """Cache keys, session keys, enum members, header names and config-key tables name things."""
    assert found(
        "app/keys.py",
        'session_key = "customer_attributes_by_type"',
        'PREVIEW_SESSION_KEY = "passed_page_view_restrictions"',
        'header_api_key = "X-API-Key"',
        'LAST_EVENT_KEY = "mailer:last_event_id"',
        f'session_key = "{RANDOM}"',
    ) == [(GENERIC, 5, "warning")]
    assert found(
        "src/errors.ts",
        "export enum AuthError {",
        "  TwoFactorMissingCredentials = 'TWO_FACTOR_MISSING_CREDENTIALS',",
        "  InvalidToken = 'INVALID_TOKEN_SIGNATURE_VALUE',",
        "}",
        f"const sessionSecret = '{RANDOM}';",
    ) == [(GENERIC, 5, "warning")]
    assert found(
        "src/app/config-options.ts",
        "  { title: 'Model', config_key: 'ACME_AI_LLM_API_KEY' },",
        "  { title: 'Cron', env_key: 'ACME_EMAIL_TASK_CRON' },",
        "  versions_key: 'versions/versions_v2.list',",
        "  sprite_key: 'wagtail:spriteRevision',",
        "  hashed_key: 'unexpiredmanualhashedkey',",
        f"  api_key: '{RANDOM}',",
    ) == [(GENERIC, 6, "warning")]


def test_go_struct_tags_are_field_metadata_and_a_go_literal_is_not() -> None:
    """A struct tag's `key:"…"` pairs tell encoders how to write a field (generated protobuf code
    tags every map field `protobuf_key:"bytes,1,opt,name=key"`); a Go string literal assigned to
    a secret-like name, or placed in a struct literal, is still a value."""
    assert found(
        "proto/gen/api/v1/user_service.pb.go",
        "type UserSetting_TagsSetting struct {",
        '\tTags map[string]*Meta `protobuf:"bytes,1,rep,name=tags,proto3" json:"tags,omitempty"'
        ' protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`',
        '\tApiKey string `json:"api_key" secret_key:"bytes,2,opt,name=secret_key_value"`',
        "}",
        f'var signingKey = "{RANDOM}"',
        f'cfg := Config{{ApiKey: "{RANDOM}"}}',
    ) == [(GENERIC, 5, "warning"), (GENERIC, 6, "warning")]


def test_unquoted_code_in_templates_is_not_a_literal() -> None:
    """ERB, Jinja and inline scripts pass expressions, not values, after `api_key:`."""
    assert not found(
        "app/views/dashboards/show.html.erb",
        "<%= link_to feed_path(api_key: current_user.api_key, format: :atom) do %>",
        "<%= atom_feed_link t(:feed), feed_url(:api_key => current_user.api_key) %>",
    )
    assert not found(
        "templates/admin/email.html",
        "{{ form(mailgun_api_key=mailgun_api_key, mailgun_base_url=base_url) }}",
        "<script>node.dataset.readonlyKey = parts[0];</script>",
    )
    assert not found("lib/tasks/keys.rake", "  users = User.where.not(api_key: nil).all")
    assert found("config/mail.ini", f"smtp_password = {RANDOM}") == [(GENERIC, 1, "warning")]


# --- translated UI strings, masks and placeholders ------------------------------------------


def test_translated_strings_are_not_credentials() -> None:
    """Locale files label password fields in every script; a generated key is ASCII."""
    assert not found(
        "public/intl/messages/km-KH.json",
        '  "incorrect-username-password": "ឈ្មោះអ្នកប្រើឬពាក្យសម្ងាត់មិនត្រឹមត្រូវ។",',
        '  "no-match-password": "ពាក្យសម្ងាត់មិនត្រូវគ្នាទេ។",',
        '  "login-password": "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง.",',
        '  "message-key": "Nachrichten-Schlüssel",',
        '  "password": "Mot de passe",',
        '  "reset-password": "パスワードがデフォルトのパスワードにリセットされました",',
    )
    assert not found(
        "config/locales/de.yml",
        "  edit_api_key: API-Schlüssel bearbeiten",
        "  forgot_password: Passwort vergessen?",
        "  save_key: キーを二度と表示できなくなるためご注意ください。新しいAPIキー",
    )
    assert found("config/settings.json", f'  "api_key": "{RANDOM}",') == [(GENERIC, 1, "warning")]


def test_a_locale_file_holds_labels_even_in_ascii() -> None:
    """A locale's data files name fields in their language, one compound word sometimes
    (`HMAC-ondertekeningsgeheim`): no generic secret there. A provider's key in one still is,
    and code in a locale folder (an i18n setup module) is read like any code."""
    label = "  hmac_signing_secret: HMAC-ondertekeningsgeheim"
    assert found("config/locales/i18n.yml", label) == []
    assert (
        found("public/locales/nl/common.json", '  "webhook_secret": "Zq8r2LkX9vNw4TbY1cMd"') == []
    )
    assert found("locale/nl/LC_MESSAGES/django.po", 'msgstr "Zq8r2LkX9vNw4TbY1cMdP0e"') == []
    assert found("config/locales/i18n.yml", f"  stripe_key: {STRIPE_LIVE}") == [
        ("secrets/stripe-key", 1, "error")
    ]
    assert found("src/i18n/client.ts", f'const apiKey = "{RANDOM}";') == [(GENERIC, 1, "warning")]
    assert found("config/settings.yml", f"  hmac_signing_secret: {RANDOM}") == [
        (GENERIC, 1, "warning")
    ]


def test_the_keys_of_a_service_on_the_loopback_are_that_instance_s() -> None:
    """A CI job or compose file that points a service at the loopback runs it there (an
    emulator, a container): its keys are that instance's. The same key beside a remote address,
    or a key of another service, is still a secret."""
    local = (
        '      QSTASH_URL: "http://127.0.0.1:8080"',
        f'      QSTASH_CURRENT_SIGNING_KEY: "sig_{RANDOM}"',
        f'      MINIO_SECRET_KEY: "{RANDOM}"',
    )
    assert found(".github/workflows/e2e.yml", *local) == [(GENERIC, 3, "warning")]
    compose = ("MINIO_ENDPOINT=http://localhost:9000", f"MINIO_SECRET_KEY={RANDOM}")
    assert found("docker/dev.env", *compose) == []
    remote = ("QSTASH_URL=https://qstash.upstash.io", f"QSTASH_CURRENT_SIGNING_KEY=sig_{RANDOM}")
    assert found("deploy/prod.env", *remote) == [(GENERIC, 2, "warning")]


def test_masked_and_placeholder_values_are_silent() -> None:
    """Masks, template slots, documented stand-ins, encrypted values and stored hashes."""
    assert not found(
        "config/app.yml",
        'password: "********"',
        'password: "••••••••••"',
        "api_key: xxxx-xxxx-xxxx-xxxx",
        "token: <your-token>",
        "token: ${API_TOKEN}",
        "secret: changeme",
        "api_key: your_api_key_here",
        "api_key: example-key-1234",
        "password: dummy-password",
        "token: test-token-value",
        "password: '[password]'",
        "password: '%DB_PASSWORD%'",
    )
    assert not found(
        "app/settings.py",
        'DATABASE_URL = f"postgresql://{user}:{expected}@db.acme.io:5432/app"',
        'URL = "postgresql://[user]:[password]@[host].pooler.supabase.com:5432/postgres"',
    )
    assert not found(
        "config/deploy/production/secrets.ejson",
        '  "fastly_api_key": "EJ[1:PLvmVuFHCZimiwa4nbzEkOGK76TW880O=:F850r8+EUIYyb4wysWZN]",',
    )
    assert not found(
        "app/fixtures/users.json",
        '    "password": "md5$seasalt$1e9bf2bf5606aa5c39852cc30f0f6f22",',
        '    "password": "pbkdf2_sha256$600000$Qm2kZ8$Fh3n0XrT9bLk2Vw7YcDq1uE5sA4gJ8pN6mR0tH2zK9",',
    )


def test_route_templates_are_not_credentials_and_a_secret_in_a_url_is() -> None:
    """A route whose secret-looking word is a path segment or parameter (`:token`, `<token>`,
    `[slug]`, `*path`) maps a URL to its handler or names a URL; a literal value in the URL,
    as a query parameter or a path segment, is still a credential."""
    assert not found(
        "config/routes/storefront.rb",
        'get "/orders/:id/token/:token" => "orders#show", :as => :token_order',
        'get "/confirm/:token" => "confirmations#show"',
        "get 'https://shop.example.com/auth/token' => 'exchanges#create'",
    )
    assert not found(
        "src/router.ts",
        "const routes = { '/verify/*token': 'verify#show', '/invite/:token': 'invites#accept' };",
    )
    assert not found(
        "config/endpoints.yml",
        "api_key: /v1/<account_id>/keys/<key_id>",
        "reset_token: /users/<int:uid>/reset/<str:signature>",
        "token: /teams/[team]/invites/[[...invite]]",
    )
    assert found(
        "config/endpoints.yml",
        f"webhook_url: https://hooks.example.com/notify?token={RANDOM}",
        f"slack_token: /services/<team>/{RANDOM}",
    ) == [(GENERIC, 1, "warning"), (GENERIC, 2, "warning")]
    assert found("src/client.py", f'api_key = "/v1/<account>/{RANDOM}"') == [
        (GENERIC, 1, "warning")
    ]
    # A URL or path as the key of a random literal is no route: the literal is the credential.
    assert found(
        "src/tokens.py",
        f"x = {{'https://auth.example.com/token': '{RANDOM}'}}",
        f"TOKENS = {{'/hooks/api_key': '{RANDOM}'}}",
    ) == [(GENERIC, 1, "warning"), (GENERIC, 2, "warning")]


# --- a fallback of an environment lookup is a credential when it looks like one -------------


def test_spring_compose_and_shell_fallbacks_are_generic_secrets() -> None:
    """`${VAR:value}` and `${VAR:-value}` run the value wherever the variable is unset."""
    assert found(
        "src/main/resources/application.properties",
        "spring.datasource.url=${DB_URL:jdbc:postgresql://localhost:5432/app}",
        f"spring.datasource.password=${{DB_PASSWORD:{FALLBACK}}}",
    ) == [(GENERIC, 2, "warning")]
    assert found(
        "src/main/resources/application.yml",
        "jwt:",
        f"  secret: ${{JWT_SECRET:{RANDOM}}}",
    ) == [(GENERIC, 2, "warning")]
    assert found(
        "src/main/java/acme/Tokens.java",
        f'    @Value("${{acme.signing-secret:{RANDOM}}}")',
    ) == [(GENERIC, 1, "warning")]
    assert found(
        "docker-compose.yml",
        "    environment:",
        "      POSTGRES_USER: ${POSTGRES_USER:-app}",
        f"      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:-{RANDOM}}}",
    ) == [(GENERIC, 3, "warning")]
    assert found("scripts/deploy.sh", f'export API_TOKEN="${{API_TOKEN:-{RANDOM}}}"') == [
        (GENERIC, 1, "warning")
    ]


def test_code_fallbacks_are_generic_secrets() -> None:
    """Python, JavaScript and Ruby defaults of an environment read."""
    assert found(
        "app/settings.py",
        'DEBUG = os.getenv("DEBUG", "0") == "1"',
        f'SECRET_KEY = os.getenv("SECRET_KEY", "{RANDOM}")',
        f'SIGNING = os.environ.get("APP_SIGNING_SECRET", "{RANDOM}")',
        f'API_TOKEN = os.environ.get("API_TOKEN") or "{RANDOM}"',
        f'password = env("DB_PASSWORD", default="{RANDOM}")',
    ) == [(GENERIC, n, "warning") for n in (2, 3, 4, 5)]
    assert found(
        "server/config.ts",
        f'export const jwtSecret = process.env.JWT_SECRET || "{RANDOM}";',
        f"const webhookSecret = process.env['WEBHOOK_SECRET'] ?? '{RANDOM}';",
    ) == [(GENERIC, 1, "warning"), (GENERIC, 2, "warning")]
    assert found(
        "config/initializers/acme.rb",
        f'API_SECRET = ENV.fetch("API_SECRET", "{RANDOM}")',
        f'WEBHOOK_TOKEN = ENV.fetch("WEBHOOK_TOKEN") {{ "{RANDOM}" }}',
        f'SESSION = ENV["SESSION_SECRET"] || "{RANDOM}"',
    ) == [(GENERIC, 1, "warning"), (GENERIC, 2, "warning"), (GENERIC, 3, "warning")]


def test_empty_development_and_placeholder_fallbacks_are_silent() -> None:
    """Development stand-ins, self-declared ones, placeholders, required variables and
    fallbacks of variables that hold no credential stay quiet.
    """
    assert not found(
        "docker-compose.yml",
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}",
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set the database password}",
        "      SECRET_KEY: ${SECRET_KEY:-}",
        "      SECRET_KEY: ${SECRET_KEY:-insecure-dev-key-9f3k2}",
        "      REDIS_PASSWORD: ${REDIS_PASSWORD:-changeme}",
        "      API_TOKEN: ${API_TOKEN:-your-token-here}",
        "      RELEASE: ${RELEASE_SHA:-3f9a2b7c1d8e4f60}",
    )
    assert not found(
        "app/settings.py",
        'PASSWORD = os.getenv("APP_DBPASS", "paperless")',
        'EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")',
        'SECRET_KEY = os.getenv("SECRET_KEY", "local-development-secret")',
        'password = ENV.fetch("SMTP_PASSWORD", nil)',
        f'LOG_FORMAT = os.getenv("LOG_FORMAT", "{RANDOM}")',
    )
    assert not found(
        "src/config.js", "const secret = process.env.JWT_SECRET || 'dev-secret-do-not-use';"
    )


def test_fallbacks_in_tests_are_notices_and_provider_keys_keep_their_error() -> None:
    """A fallback in a test is a notice, like any generic literal there; a provider key used as
    a fallback is still that provider's error, reported once.
    """
    assert found("tests/conftest.py", f'os.environ.setdefault("API_SECRET", "{RANDOM}")') == [
        (GENERIC, 1, "notice")
    ]
    assert found(
        "server/billing.ts", f'const stripeKey = process.env.STRIPE_KEY || "{STRIPE_LIVE}";'
    ) == [("secrets/stripe-key", 1, "error")]


# --- connection strings ----------------------------------------------------------------------


def test_connection_string_passwords_in_any_file_type() -> None:
    """ADO.NET, ODBC and JDBC connection strings carry their password inline."""
    server = "Server=db.prod.internal;Database=app;User Id=app"
    assert found(
        "src/Api/appsettings.json",
        '  "ConnectionStrings": {',
        f'    "Default": "{server};Password={DB_PASSWORD};"',
        "  }",
    ) == [(DATABASE, 2, "warning")]
    assert found(
        "src/Api/App.config",
        f'  <add name="Db" connectionString="Server=db;User Id=app;Password={DB_PASSWORD};" />',
    ) == [(DATABASE, 1, "warning")]
    assert found(
        "src/Api/Db.cs",
        f'var cs = "Server=db; Database=app; User Id=sa; Password={DB_PASSWORD};";',
    ) == [(DATABASE, 1, "warning")]
    assert found(
        "src/main/java/acme/Db.java",
        f'String url = "jdbc:sqlserver://db.prod:1433;databaseName=app;user=app;password={DB_PASSWORD};";',
        f'String url = "jdbc:mysql://db.prod/app?user=app&password={RANDOM}";',
    ) == [(DATABASE, 1, "warning"), (DATABASE, 2, "warning")]
    assert found(
        "etc/odbc.ini", f"conn = DRIVER={{ODBC Driver 18}};SERVER=db.prod;UID=app;PWD={{{RANDOM}}};"
    ) == [(DATABASE, 1, "warning")]


def test_local_placeholder_and_development_connection_strings_are_silent() -> None:
    """Local servers, placeholders, development passwords and the user name repeated, as for
    database URLs; a sample in a test is a notice; a password in an HTTP query string is not a
    database's.
    """
    assert not found(
        "src/Api/appsettings.Development.json",
        f'"A": "Server=localhost;Database=app;User Id=app;Password={DB_PASSWORD};"',
        f'"B": "Server=(localdb)\\\\MSSQLLocalDB;User Id=app;Password={DB_PASSWORD};"',
        f'"C": "Data Source=.\\\\SQLEXPRESS;User Id=app;Password={DB_PASSWORD};"',
        f'"D": "Server=tcp:127.0.0.1,1433;User Id=app;Password={DB_PASSWORD};"',
        '"E": "Server=db;User Id=app;Password={your_password};"',
        '"F": "Server=db;User Id=app;Password=%DB_PASSWORD%;"',
        '"G": "Server=db;User Id=app;Password=${DB_PASSWORD};"',
        '"H": "Host=db;Username=postgres;Password=postgres;"',
        '"I": "Server=db;User Id=acme;Password=acme;"',
        '"J": "Server=db;User Id=sa;Password=yourStrong(!)Password;"',
    )
    assert found(
        "tests/test_db.py", f'DSN = "Server=db.ci;User Id=app;Password={DB_PASSWORD};"'
    ) == [(DATABASE, 1, "notice")]
    query = f"https://api.acme.io/login?user=bob&password={RANDOM}"
    assert not found("web/login.js", f'fetch("{query}")')


# --- provider formats keep their checks, and their errors -----------------------------------


def test_private_key_header_in_code_is_not_a_key() -> None:
    """Code that parses PEM names the header; a key block follows its header directly."""
    assert not found(
        "src/vertex/auth.ts",
        f"  const pemHeader = '{KEY_HEADER}';",
        "  const pemFooter = '-----END PRIVATE KEY-----';",
        f"  const pemContents = pemKey.replace(pemHeader, '').replace(/{KEY_BODY[:40]}/g, '');",
    )
    assert found(
        "deploy/service-account.json",
        f'  "private_key": "{KEY_HEADER}\\n{KEY_BODY}\\n-----END PRIVATE KEY-----\\n",',
    ) == [("secrets/private-key", 1, "error")]
    assert found(
        "keys/signing.asc",
        "-----BEGIN PGP " + "PRIVATE KEY BLOCK-----",
        "Version: GnuPG v2",
        "",
        KEY_BODY,
    ) == [("secrets/private-key", 1, "error")]


def test_storage_emulator_key_is_published_and_a_real_account_key_is_not() -> None:
    """Azurite's `devstoreaccount1` key is in Microsoft's documentation."""
    key = (KEY_BODY + KEY_BODY)[:86] + "=="
    emulator = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
    real = "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey="
    assert not found("docker-compose.yml", f'  AZURE: "{emulator}{key};"')
    assert found("config/storage.json", f'  "Storage": "{real}{key};"') == [
        ("secrets/azure-storage-key", 1, "error")
    ]
