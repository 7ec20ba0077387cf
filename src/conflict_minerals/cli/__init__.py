"""The `conflict-minerals` command: a thin layer over the library.

Commands are imported only when run, so `--help`, `--version` and `inspect` start fast and
never load the database layer.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from conflict_minerals import __version__

# name -> (module, attribute, the command's one-line help as `--help` lists it; a test keeps these in step)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "inspect": ("inspect", "inspect", "Read supplier CMRT files (and EMRT, CRT, AMRT) and show what they declare and what is wrong with them."),
    "init": ("program", "init", "Create a program workspace: settings file, database, folders for files and messages."),
    "migrate": ("program", "migrate", "Upgrade the workspace database to this version's schema and derive what the new schema keeps."),
    "suppliers": ("suppliers", "suppliers", "First-tier suppliers: add, import, list."),
    "campaign": ("program", "campaign", "The yearly survey of suppliers."),
    "ingest": ("program", "ingest", "Ingest received CMRTs (and EMRT, CRT, AMRT): keep the originals, read, review, link them to suppliers."),
    "reprocess": ("program", "reprocess", "Read the stored originals again (after a reader or reference upgrade) and show what changed."),
    "review": ("program", "review", "List the findings of suppliers' current files, every template (exit 1 when there are open errors)."),
    "corrections": ("program", "corrections", "Ask for corrected CMRTs: open errors (and warnings with --warnings), one supplier or all under review."),
    "remind": ("program", "remind", "Remind suppliers whose due date passed (after the grace period), then escalate; sets no_response."),
    "outbox": ("program", "outbox", "Messages to suppliers waiting to be sent."),
    "accept": ("program", "accept", "Accept a supplier's current CMRT."),
    "reject": ("program", "reject", "Reject a supplier's current CMRT (left out of the report)."),
    "escalate": ("program", "escalate", "Escalate a supplier to management."),
    "not-applicable": ("program", "not_applicable", "Mark a supplier as out of scope (e.g. supplies no 3TG)."),
    "waive": ("program", "waive", "Waive a finding of a supplier's current CMRT (or other template), with a reason."),
    "assign": ("program", "assign", "Assign an unassigned submission (see `status`) to a supplier."),
    "discard": ("program", "discard", "Set aside an unassigned or unreadable file (see `status`); the original is kept."),
    "status": ("program", "status", "Per supplier: state, current version, open findings, last contact; totals and response rate."),
    "log": ("program", "log", "Show the audit trail: every import, state change, decision, message, report and export (times in UTC)."),
    "refdata": ("smelters", "refdata", "Reference data: RMI smelter look-up revisions, status lists and the CAHRA list."),
    "smelters": ("smelters", "smelters", "Consolidate the smelters of supplier CMRTs (`smelters FILES...`), or match names (`smelters match`)."),
    "report": ("report", "report", "Generate the Form SD and Conflict Minerals Report (`report --period YEAR --out DIR`), or explain a figure."),
    "minerals": ("minerals", "minerals", "The extended-minerals summary: per mineral, suppliers answered, facilities by status, countries, mines."),
    "export-cmrt": ("report", "export_cmrt", "Write the company's own company-level CMRT for its customers."),
    "export-emrt": ("report", "export_emrt", "Write the company's own EMRT (or --type CRT / AMRT) for its customers, into RMI's blank workbook."),
    "filings": ("filings", "filings", "Check a filing before it goes out, or import last year's filing as a baseline."),
    "serve": ("web", "serve", "Serve the program in the browser on this workspace (prints a first-run link when there is no user)."),
    "users": ("web", "users", "Accounts of the web app: add, list, change a role, deactivate, reactivate."),
}  # fmt: skip


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; help lists them from the table above."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, in the order of the table."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one command."""
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"conflict_minerals.cli.{module}"), attribute)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Accept `--workspace DIR` after the command too (`conflict-minerals status --workspace DIR`)."""
        return super().parse_args(ctx, workspace_first(args))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands without importing them."""
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def workspace_first(args: list[str]) -> list[str]:
    """Move a `--workspace DIR` (or `--workspace=DIR`) given after the command to the front."""
    end = args.index("--") if "--" in args else len(args)
    for index, arg in enumerate(args[:end]):
        if index == 0:
            continue  # already first
        if arg == "--workspace" and index + 1 < end:
            return [arg, args[index + 1], *args[:index], *args[index + 2 :]]
        if arg.startswith("--workspace="):
            return [arg, *args[:index], *args[index + 1 :]]
    return args


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conflict-minerals")
@click.option("--workspace", type=click.Path(file_okay=False), help="Workspace folder (default: found from here).")
def cli(workspace: str | None) -> None:
    """Run a conflict-minerals (3TG) compliance program: read CMRTs, review, consolidate, report."""


def main() -> None:
    """Entry point of the console script; no traceback ever reaches the user."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # last resort: a bug must not show a user a traceback
        if os.environ.get("CONFLICT_MINERALS_DEBUG"):
            raise
        click.echo(
            f"error: unexpected problem ({type(exc).__name__}). Nothing stored was half-written: each "
            "step runs in a transaction. Set CONFLICT_MINERALS_DEBUG=1 for details and report it.",
            err=True,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
