"""The only code that talks to GitHub."""
