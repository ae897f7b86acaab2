"""The GitHub port reads contents and file lists at a PR's base and head through the API."""

from __future__ import annotations

from bot.github.api import BLOBS_PER_QUERY, GitHubContents, RepoAPI
from tests.conftest import REPO
from tests.fake_github import FakeGitHub
from tests.fake_github.graphql import TEXT_LIMIT


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
    """A PR of 250 files costs three queries (100 files each), not 250 requests."""
    files = {f"src/m{n}.py": f"N = {n}\n".encode() for n in range(250)}
    add_pull(github, {}, files)
    texts = await GitHubContents(api, "a" * 40, "b" * 40).read_many(
        [(path, "head") for path in files]
    )
    assert texts == {(path, "head"): data.decode() for path, data in files.items()}
    queries = github.calls("POST", "/graphql")
    assert len(queries) == -(-len(files) // BLOBS_PER_QUERY) == 3


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
