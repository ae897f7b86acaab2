"""The GitHub port reads contents and file lists at a PR's base and head through the API."""

from __future__ import annotations

from dataclasses import replace

from bot.diff.parse import parse
from bot.github.api import BLOBS_PER_QUERY, COMPARE_FILES, QUERY_BYTES, GitHubContents, RepoAPI
from tests.conftest import APP_ID, INSTALLATION, REPO
from tests.fake_github import FakeGitHub
from tests.fake_github.graphql import TEXT_LIMIT
from tests.github.conftest import port


def add_pull(github: FakeGitHub, base: dict[str, bytes], head: dict[str, bytes]) -> None:
    github.add_pull(
        repo=REPO,
        number=3,
        head_sha="b" * 40,
        base_sha="a" * 40,
        diff=b"",
        files_at_base=base,
        files_at_head=head,
    )


async def test_contents_and_trees_at_base_and_head(github: FakeGitHub, api: RepoAPI) -> None:
    add_pull(
        github,
        {"shop/models.py": b"X = 1\n"},
        {"shop/models.py": b"X = 2\n", "shop/café menu.txt": b"\xe9t\xe9\n"},
    )
    contents = GitHubContents(api, "a" * 40, "b" * 40)
    wanted = [
        ("shop/models.py", "base"),
        ("shop/models.py", "head"),
        ("shop/café menu.txt", "head"),
        ("shop/missing.py", "head"),
        ("shop", "head"),  # a folder is not a file
        ("shop/models.py", "base"),  # asked twice, read once
    ]
    assert await contents.read_many(wanted) == {
        ("shop/models.py", "base"): "X = 1\n",
        ("shop/models.py", "head"): "X = 2\n",
        ("shop/café menu.txt", "head"): "\ufffdt\ufffd\n",
        ("shop/missing.py", "head"): None,
        ("shop", "head"): None,
    }
    assert len(github.calls("POST", "/graphql")) == 1
    assert not github.calls("GET", f"/repos/{REPO}/contents/*")
    assert await contents.files() == {"shop/models.py", "shop/café menu.txt"}
    assert await contents.files("base") == {"shop/models.py"}
    await contents.files()
    assert len(github.calls("GET", f"/repos/{REPO}/git/trees/*")) == 2  # cached per side


async def test_many_files_are_read_in_batches_of_one_query(
    github: FakeGitHub, api: RepoAPI
) -> None:
    """Sides of unknown size go 100 to a query: a PR of 250 files costs three, not 250."""
    files = {f"src/m{n}.py": f"N = {n}\n".encode() for n in range(250)}
    add_pull(github, {}, files)
    texts = await GitHubContents(api, "a" * 40, "b" * 40).read_many(
        [(path, "head") for path in files]
    )
    assert texts == {(path, "head"): data.decode() for path, data in files.items()}
    assert len(github.calls("POST", "/graphql")) == 3


async def test_sides_of_known_size_fill_a_query_to_its_byte_budget(
    github: FakeGitHub, api: RepoAPI
) -> None:
    """With the base tree read (sizes) and the diff (a head side is its base plus its patch),
    small files go BLOBS_PER_QUERY to a query, large ones as many as QUERY_BYTES holds: 700
    small sides and 20 of 300 KB take five queries, where 100 sides a query took eight."""
    small = {f"src/m{n}.py": f"N = {n}\n".encode() for n in range(350)}
    large = {f"data/t{n}.py": b"x = 1\n" * 50_000 for n in range(10)}
    base = {**small, **large}
    head = {path: data + b"M = 2\n" for path, data in base.items()}
    add_pull(github, base, head)
    change = parse(
        "".join(
            f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1,0 +2 @@\n+M = 2\n" for p in base
        ).encode()
    )
    contents = GitHubContents(api, "a" * 40, "b" * 40, change)
    await contents.files("base")
    assert contents.size("data/t0.py", "head") == len(head["data/t0.py"])
    wanted = [(path, at) for path in base for at in ("base", "head")]
    batches = contents.batches(wanted)
    assert [len(batch) for batch in batches] == [BLOBS_PER_QUERY, 206, 6, 6, 2]
    assert all(sum(contents.size(*key) for key in batch) <= QUERY_BYTES for batch in batches)
    texts = await contents.read_many(wanted)
    assert texts[("data/t9.py", "head")] == head["data/t9.py"].decode()
    assert texts[("src/m7.py", "base")] == "N = 7\n"
    assert len(github.calls("POST", "/graphql")) == len(batches)


async def test_a_file_graphql_truncates_is_read_whole_through_rest(
    github: FakeGitHub, api: RepoAPI
) -> None:
    """GitHub cuts Blob.text at 512,000 bytes: such a file is read again through the contents
    API, whole; a binary file and one above our 1 MB cap are not read at all."""
    big = b"x = 1\n" * (TEXT_LIMIT // 6 + 10)
    huge = b"y = 2\n" * 200_000
    add_pull(github, {}, {"big.py": big, "huge.py": huge, "logo.png": b"\x89PNG\0\0\1"})
    texts = await GitHubContents(api, "a" * 40, "b" * 40).read_many(
        [("big.py", "head"), ("huge.py", "head"), ("logo.png", "head")]
    )
    assert texts == {
        ("big.py", "head"): big.decode(),
        ("huge.py", "head"): None,
        ("logo.png", "head"): None,
    }
    (read,) = github.calls("GET", f"/repos/{REPO}/contents/*")
    assert read.path.endswith("/big.py")


async def test_one_query_reads_files_the_app_s_latest_run_and_the_organisation_s_config(
    github: FakeGitHub, api: RepoAPI
) -> None:
    """The check runs are the ones made through REST; an absent `.github` repository is no
    organisation config, not an error."""
    add_pull(github, {"a.py": b"A = 1\n"}, {"a.py": b"A = 2\n"})
    head = "b" * 40
    org = ("acme/.github", ("readiness.yml", ".github/readiness.yml"))
    read = await api.read_review(
        [(head, "a.py")], number=3, head_sha=head, app_id=APP_ID, check_name="Readiness", org=org
    )
    assert read.latest_run is None and read.organisation is None
    assert read.organisation_problem is None
    assert [b.text if b else None for b in read.blobs] == ["A = 2\n"]

    first = await api.create_check_run({"name": "Readiness", "head_sha": head}, APP_ID)
    second = await api.create_check_run(
        {"name": "Readiness", "head_sha": head, "status": "in_progress"}, APP_ID
    )
    await api.create_check_run({"name": "Other", "head_sha": head}, APP_ID)
    await api.update_check_run(first, {"status": "completed", "conclusion": "success"})
    read = await api.read_review(
        [], number=3, head_sha=head, app_id=APP_ID, check_name="Readiness", org=org
    )
    assert read.latest_run == {
        "id": second,
        "status": "in_progress",
        "output": {"annotations_count": 0},
    }


async def test_the_review_s_query_reads_what_the_pull_request_says(
    github: FakeGitHub, api: RepoAPI
) -> None:
    """Title, body and the messages of the newest 100 commits, oldest first, come with the
    review's one query; an empty body is no text."""
    add_pull(github, {}, {})
    pull = github.repo(REPO).pulls[3]
    pull.title, pull.body = "Put the proxy header first", "The old order's test is obsolete."
    pull.messages = [f"commit {n}" for n in range(105)]
    org = ("acme/.github", ("readiness.yml",))
    read = await api.read_review(
        [], number=3, head_sha="b" * 40, app_id=APP_ID, check_name="Readiness", org=org
    )
    title, body, *messages = read.description
    assert (title, body) == ("Put the proxy header first", "The old order's test is obsolete.")
    assert messages == [f"commit {n}" for n in range(5, 105)]
    pull.body, pull.messages = "", []
    read = await api.read_review(
        [], number=3, head_sha="b" * 40, app_id=APP_ID, check_name="Readiness", org=org
    )
    assert read.description == ("Put the proxy header first", "")
    assert len(github.calls("POST", "/graphql")) == 2


async def test_the_organisation_s_config_rides_along_when_the_app_can_see_it(
    github: FakeGitHub,
) -> None:
    add_pull(github, {"a.py": b"A = 1\n"}, {"a.py": b"A = 2\n"})
    github.commit("acme/.github", "c" * 40, {".github/readiness.yml": b"disable: [tests]\n"})
    github.add_installation(INSTALLATION, ["acme/.github"])
    org = ("acme/.github", ("readiness.yml", ".github/readiness.yml"))
    async for api in port(github):
        read = await api.read_review(
            [], number=3, head_sha="b" * 40, app_id=APP_ID, check_name="Readiness", org=org
        )
    assert read.organisation == {
        "readiness.yml": None,
        ".github/readiness.yml": "disable: [tests]\n",
    }


async def test_the_compare_says_when_its_files_do_not_say_all_the_diff_does(
    github: FakeGitHub, api: RepoAPI
) -> None:
    diff = (
        b"diff --git a/a.py b/a.py\nindex 1111111..2222222 100644\n--- a/a.py\n+++ b/a.py\n"
        b"@@ -1 +1 @@\n-A = 1\n+A = 2\n"
    )
    github.add_pull(
        repo=REPO, number=3, head_sha="b" * 40, base_sha="a" * 40, diff=diff,
        files_at_base={"a.py": b"A = 1\n"}, files_at_head={"a.py": b"A = 2\n"},
    )  # fmt: skip
    comparison = await api.compare("a" * 40, "b" * 40)
    assert comparison.merge_base == "a" * 40 and comparison.complete
    assert [f["filename"] for f in comparison.files] == ["a.py"]
    latin = replace(comparison, files=({**comparison.files[0], "patch": "-caf\ufffd\n"},))
    assert not latin.complete
    large = replace(comparison, files=({"filename": "big.sql", "changes": 30_000},))
    assert not large.complete  # a text file GitHub sent no patch for
    binary = replace(comparison, files=({"filename": "logo.png", "changes": 0},))
    assert binary.complete
    assert not replace(comparison, files=tuple(comparison.files * COMPARE_FILES)).complete
