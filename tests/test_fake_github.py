"""Protect the GitHub double's contract: auth, schema checks, paging, review rules, faults."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import gidgethub
import jwt
import pytest
from gidgethub import apps
from gidgethub.aiohttp import GitHubAPI

from tests.fake_github import FakeGitHub, make_app_key, spec

APP_ID = 4242
INSTALLATION = 77
REPO = "octo/widgets"
HEAD, BASE = "a" * 40, "b" * 40
DIFF = b"""\
diff --git a/app/db.py b/app/db.py
index 3b18e51..a9c2f0e 100644
--- a/app/db.py
+++ b/app/db.py
@@ -1,4 +1,6 @@
 import os
+import requests
 # Database access.
 def connect():
-    return os.environ["DB"]
+    url = os.environ["DB"]
+    return requests.get(url, verify=False)
@@ -20,3 +22,4 @@ def close():
     pass
 # Helpers end here.
 # end
+# more
diff --git a/docs/old.md b/docs/new.md
similarity index 90%
rename from docs/old.md
rename to docs/new.md
index 1111111..2222222 100644
--- a/docs/old.md
+++ b/docs/new.md
@@ -1,2 +1,2 @@
 # Widgets
-Old words.
+New words.
"""
HEAD_DB = b'import os\nimport requests\n# Database access.\ndef connect():\n    url = "db"\n'
ANNOTATION = {
    "path": "app/db.py",
    "start_line": 6,
    "end_line": 6,
    "annotation_level": "warning",
    "message": "TLS verification is disabled.",
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitHub]:
    """Serve one installation with one open pull request."""
    async with FakeGitHub(app_id=APP_ID, public_key=make_app_key()[1]) as fake:
        fake.add_installation(INSTALLATION, [REPO])
        fake.add_pull(
            repo=REPO,
            number=7,
            head_sha=HEAD,
            base_sha=BASE,
            diff=DIFF,
            files_at_head={"app/db.py": HEAD_DB},
            files_at_base={".github/readiness.yml": b"packs: [secrets]\n"},
        )
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Share one HTTP session per test, as the bot does per app."""
    async with aiohttp.ClientSession() as session:
        yield session


async def installation_api(fake: FakeGitHub, session: aiohttp.ClientSession) -> GitHubAPI:
    """Authenticate the way the bot does: app JWT, then an installation token."""
    app_api = GitHubAPI(session, "test", base_url=fake.url)
    token = await apps.get_installation_access_token(
        app_api,
        installation_id=str(INSTALLATION),
        app_id=str(APP_ID),
        private_key=make_app_key()[0],
    )
    return GitHubAPI(session, "test", oauth_token=token["token"], base_url=fake.url)


async def test_token_flow_checks_jwt_and_token(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """A real app JWT buys a token that reaches the installed repo; bad credentials get 401."""
    gh = await installation_api(fake, session)
    assert (await gh.getitem(f"/repos/{REPO}"))["full_name"] == REPO
    assert fake.tokens_issued == 1
    assert fake.calls("POST", "/app/installations/*/access_tokens")[0].json is None

    forged = jwt.encode({"iat": 0, "exp": 10**10, "iss": str(APP_ID)}, "x" * 32, "HS256")
    with pytest.raises(gidgethub.BadRequest) as refused:
        await GitHubAPI(session, "test", base_url=fake.url).post(
            f"/app/installations/{INSTALLATION}/access_tokens", data={}, jwt=forged
        )
    assert refused.value.status_code == 401
    assert str(refused.value) == "A JSON web token could not be decoded"

    fake.add_installation(99, ["someone/else"])
    with pytest.raises(gidgethub.BadRequest, match="Bad credentials"):
        await gh.getitem("/repos/someone/else")
    fake.assert_no_errors()


async def test_schema_violations_are_refused_and_recorded(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """Bodies GitHub's description forbids get 422 and land in fake.errors."""
    gh = await installation_api(fake, session)
    run = {"name": "Readiness", "head_sha": HEAD}
    too_many = {"title": "t", "summary": "s", "annotations": [ANNOTATION] * 51}
    for bad in ({**run, "output": too_many}, {**run, "conclusion": "passed"}):
        with pytest.raises(gidgethub.BadRequest) as refused:
            await gh.post(f"/repos/{REPO}/check-runs", data=bad)
        assert refused.value.status_code == 422
    assert len(fake.errors) == 2
    assert "output.annotations: fails maxItems=50" in fake.errors[0]
    assert "conclusion: 'passed' is not one of" in fake.errors[1]
    assert fake.check_runs == []
    with pytest.raises(AssertionError):
        fake.assert_no_errors()


async def test_unknown_endpoint_is_404_and_an_error(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """A path GitHub does not have, or one the double does not serve, fails the test."""
    gh = await installation_api(fake, session)
    for url in (f"/repos/{REPO}/branchez", "/rate_limit"):
        with pytest.raises(gidgethub.BadRequest) as refused:
            await gh.getitem(url)
        assert refused.value.status_code == 404
    assert [e.split(":")[0] for e in fake.errors] == [
        f"GET /repos/{REPO}/branchez",
        "GET /rate_limit",
    ]


async def test_files_list_pages_follow_link_headers(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """The files list is derived from the diff and paged 30 at a time with Link headers."""
    added = b"".join(
        b"diff --git a/f%d.py b/f%d.py\nnew file mode 100644\nindex 0000000..1111111\n"
        b"--- /dev/null\n+++ b/f%d.py\n@@ -0,0 +1 @@\n+x = %d\n" % (i, i, i, i)
        for i in range(33)
    )
    fake.add_pull(repo=REPO, number=8, head_sha="c" * 40, base_sha=BASE, diff=DIFF + added)
    gh = await installation_api(fake, session)

    files = [f async for f in gh.getiter(f"/repos/{REPO}/pulls/8/files")]

    assert len(files) == 35
    assert len(fake.calls("GET", f"/repos/{REPO}/pulls/8/files")) == 2
    db, doc = files[0], files[1]
    assert (db["status"], db["additions"], db["deletions"], db["changes"]) == ("modified", 4, 1, 5)
    assert db["patch"].startswith("@@ -1,4 +1,6 @@\n import os\n+import requests")
    assert (doc["status"], doc["filename"], doc["previous_filename"]) == (
        "renamed",
        "docs/new.md",
        "docs/old.md",
    )
    fake.assert_no_errors()


async def test_reads_diff_and_contents_like_github(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """The diff media type, nested content paths, raw content and 406/404 answers match GitHub."""
    gh = await installation_api(fake, session)
    diff = await gh.getitem(f"/repos/{REPO}/pulls/7", accept="application/vnd.github.v3.diff")
    assert diff.encode() == DIFF
    raw = await gh.getitem(
        f"/repos/{REPO}/contents/app/db.py?ref={HEAD}", accept="application/vnd.github.raw"
    )
    assert raw.encode() == HEAD_DB
    config = await gh.getitem(f"/repos/{REPO}/contents/.github%2Freadiness.yml")
    assert (config["encoding"], config["size"], config["type"]) == ("base64", 17, "file")
    with pytest.raises(gidgethub.BadRequest) as missing:
        await gh.getitem(f"/repos/{REPO}/contents/app/db.py?ref=main")
    assert missing.value.status_code == 404

    fake.update_pull(REPO, 7, head_sha="d" * 40, diff=DIFF, diff_too_large=True)
    with pytest.raises(gidgethub.BadRequest) as too_large:
        await gh.getitem(f"/repos/{REPO}/pulls/7", accept="application/vnd.github.diff")
    assert too_large.value.status_code == 406
    fake.assert_no_errors()


async def test_review_with_a_comment_off_the_diff_stores_nothing(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """One comment outside the hunks fails the whole review with 422, as on GitHub."""
    gh = await installation_api(fake, session)
    on_diff = {"path": "app/db.py", "line": 6, "body": "TLS verification is disabled."}
    removed = {"path": "app/db.py", "line": 4, "side": "LEFT", "body": "Was fine."}
    off_diff = {"path": "app/db.py", "line": 12, "body": "Not in a hunk."}
    review = {"event": "COMMENT", "body": "Readiness", "comments": [on_diff, off_diff]}

    with pytest.raises(gidgethub.ValidationError) as refused:
        await gh.post(f"/repos/{REPO}/pulls/7/reviews", data=review)
    assert refused.value.errors == ["Line could not be resolved"]
    assert (fake.reviews, fake.review_comments(REPO, 7)) == ([], [])

    review["comments"] = [on_diff, removed]
    stored = await gh.post(f"/repos/{REPO}/pulls/7/reviews", data=review)
    assert (stored["state"], stored["commit_id"]) == ("COMMENTED", HEAD)
    comments = fake.review_comments(REPO, 7)
    assert [(c["line"], c["side"], c["position"]) for c in comments] == [
        (6, "RIGHT", 7),
        (4, "LEFT", 5),
    ]
    assert {c["user"]["login"] for c in comments} == {"readiness[bot]"}
    assert all(c["pull_request_review_id"] == stored["id"] for c in comments)
    fake.assert_no_errors()


async def test_annotations_append_across_updates(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """Each PATCH adds its annotations to the run; other output fields are replaced."""
    gh = await installation_api(fake, session)
    first = {"title": "Readiness", "summary": "Scanning", "annotations": [ANNOTATION] * 50}
    run = await gh.post(
        f"/repos/{REPO}/check-runs",
        data={"name": "Readiness", "head_sha": HEAD, "status": "in_progress", "output": first},
    )
    last = {"title": "Readiness", "summary": "3 findings", "annotations": [ANNOTATION] * 20}
    done = await gh.patch(
        f"/repos/{REPO}/check-runs/{run['id']}", data={"conclusion": "neutral", "output": last}
    )

    assert (done["status"], done["conclusion"]) == ("completed", "neutral")
    assert done["output"]["annotations_count"] == 70
    assert done["pull_requests"][0]["number"] == 7
    [stored] = fake.check_runs
    assert len(stored["output"]["annotations"]) == 70
    assert stored["output"]["summary"] == "3 findings"
    listed = await gh.getitem(f"/repos/{REPO}/commits/{HEAD}/check-runs?check_name=Readiness")
    assert [r["id"] for r in listed["check_runs"]] == [run["id"]]
    fake.assert_no_errors()


async def test_scripted_fault_then_recovery(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """A scripted 403 with Retry-After answers once, then normal service resumes."""
    gh = await installation_api(fake, session)
    limited = {"message": "You have exceeded a secondary rate limit."}
    fake.fail("POST", f"/repos/{REPO}/check-runs", 403, headers={"Retry-After": "1"}, json=limited)
    body = {"name": "Readiness", "head_sha": HEAD}

    with pytest.raises(gidgethub.BadRequest) as limited_error:
        await gh.post(f"/repos/{REPO}/check-runs", data=body)
    assert limited_error.value.status_code == 403
    assert limited_error.value.headers["Retry-After"] == "1"
    assert (await gh.post(f"/repos/{REPO}/check-runs", data=body))["status"] == "queued"

    calls = fake.calls("POST", f"/repos/{REPO}/check-runs*")
    assert [json.loads(c.body) for c in calls] == [body, body]
    assert calls[0].headers["authorization"].startswith("token ghs_")
    assert len(fake.check_runs) == 1
    fake.assert_no_errors()


async def test_permissions_are_reported_as_github_computes_them(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """Every grant counts and the highest wins; a custom role keeps its name in `role_name` while
    `permission` and the flags give its base role; each answer matches GitHub's description."""
    fake.add_custom_role("octo", "security-engineer", base="write")
    fake.add_custom_role("octo", "release-triager", base="triage")
    fake.set_permission(REPO, "custom-writer", "security-engineer")
    fake.set_permission(REPO, "custom-triager", "release-triager")
    fake.add_team(REPO, "backend", "write", members=["team-writer", "custom-triager"])
    fake.add_org_owner("octo", "owner")
    fake.set_permission(REPO, "owner", "read")  # a lower repository grant does not hide it
    fake.set_permission(REPO, "maintainer", "maintain")
    gh = await installation_api(fake, session)

    async def answer(user: str) -> tuple[str, str, dict[str, bool]]:
        url = f"/repos/{REPO}/collaborators/{user}/permission"
        data = await gh.getitem(url)
        spec.check_response("GET", url, 200, json.dumps(data).encode())
        assert data["user"]["role_name"] == data["role_name"]
        flags = data["user"]["permissions"]
        return data["permission"], data["role_name"], {k: v for k, v in flags.items() if v}

    pull, triage, push, maintain, admin = "pull", "triage", "push", "maintain", "admin"
    writer = dict.fromkeys([pull, triage, push], True)
    assert await answer("custom-writer") == ("write", "security-engineer", writer)
    assert await answer("team-writer") == ("write", "write", writer)
    assert (await answer("custom-triager"))[:2] == ("write", "write")  # the team's grant is higher
    everything = dict.fromkeys([pull, triage, push, maintain, admin], True)
    assert await answer("owner") == ("admin", "admin", everything)
    assert (await answer("maintainer"))[:2] == ("write", "maintain")
    assert await answer("passer-by") == ("read", "read", {pull: True})
    fake.assert_no_errors()


async def test_graphql_queries_are_checked_against_github_s_schema(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """A query GitHub's schema refuses is an error of the test; a valid one reads the state,
    and a repository the token does not cover is GitHub's NOT_FOUND."""
    gh = await installation_api(fake, session)
    fake.commit("acme/.github", "c" * 40, {"readiness.yml": b"disable: [tests]\n"})
    query = """query($owner: String!, $name: String!) {
      repository(owner: $owner, name: $name) {
        object(expression: "HEAD:readiness.yml") { ... on Blob { text } }
      }
    }"""
    with pytest.raises(gidgethub.QueryError) as hidden:
        await gh.graphql(query, endpoint=f"{fake.url}/graphql", owner="acme", name=".github")
    assert hidden.value.response["errors"][0]["type"] == "NOT_FOUND"
    fake.add_installation(INSTALLATION, ["acme/.github"])
    gh = await installation_api(fake, session)  # a token covers the repositories of its time
    data = await gh.graphql(query, endpoint=f"{fake.url}/graphql", owner="acme", name=".github")
    assert data == {"repository": {"object": {"text": "disable: [tests]\n"}}}
    fake.assert_no_errors()

    with pytest.raises(gidgethub.QueryError, match="Cannot query field 'txt' on type 'Blob'"):
        await gh.graphql(
            query.replace("{ text }", "{ txt }"),
            endpoint=f"{fake.url}/graphql",
            owner="acme",
            name=".github",
        )
    assert len(fake.errors) == 1 and "GraphQL query GitHub would refuse" in fake.errors[0]
    fake.errors.clear()


async def test_a_pull_request_s_conversation_is_paged_as_github_pages_it(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """Connections need `first` (at most 100), give opaque cursors, and read the same review
    comments and conversation comments REST serves; an app is a Bot named without `[bot]`."""
    gh = await installation_api(fake, session)
    for n in range(3):
        fake.add_issue_comment(REPO, 7, f"comment {n}", user="ada" if n else "readiness[bot]")
    fake.add_review_comment(REPO, 7, "app/db.py", 6, "a thread", user="readiness[bot]")
    query = """query($owner: String!, $name: String!, $after: String) {
      repository(owner: $owner, name: $name) { pullRequest(number: 7) {
        comments(first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } nodes { body author { __typename login } }
        }
        reviewThreads(first: 5) { nodes { isResolved comments(first: 1) { nodes { body } } } }
      } }
    }"""
    endpoint = f"{fake.url}/graphql"
    data = await gh.graphql(query, endpoint=endpoint, owner="octo", name="widgets")
    page = data["repository"]["pullRequest"]["comments"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    assert page["nodes"][0]["author"] == {"__typename": "Bot", "login": "readiness"}
    cursor = page["pageInfo"]["endCursor"]
    data = await gh.graphql(query, endpoint=endpoint, owner="octo", name="widgets", after=cursor)
    rest = data["repository"]["pullRequest"]["comments"]
    assert [n["body"] for n in rest["nodes"]] == ["comment 2"]
    assert not rest["pageInfo"]["hasNextPage"]
    (thread,) = data["repository"]["pullRequest"]["reviewThreads"]["nodes"]
    assert thread == {"isResolved": False, "comments": {"nodes": [{"body": "a thread"}]}}

    for bound, kind in (("", "MISSING_PAGINATION_BOUNDARIES"), ("first: 101, ", "EXCESSIVE")):
        unbounded = query.replace("first: 2, ", bound)
        with pytest.raises(gidgethub.QueryError) as refused:
            await gh.graphql(unbounded, endpoint=endpoint, owner="octo", name="widgets")
        assert refused.value.response["errors"][0]["type"].startswith(kind)
    fake.assert_no_errors()
