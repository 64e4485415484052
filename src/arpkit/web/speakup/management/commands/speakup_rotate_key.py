"""Rotate the speak-up master key: re-wrap every report's data key under a new one.

Key file (the default): generates a new key, appends it (it becomes current), re-wraps every
data key, and - once no report uses the old keys - rewrites the file with the new key only.
Stopped half-way, it leaves both keys in the file, every report readable, and finishes when run
again (``--resume``).

Environment (``ARPKIT_SPEAKUP_KEY``): the command cannot change the environment, so add the
new key yourself as the last of a comma-separated list (``old,new``), restart, run this with
``--resume`` to re-wrap, then remove the old key when it reports none in use.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from arpkit.web.speakup import crypto, services


class Command(BaseCommand):
    help = "Re-wrap every speak-up report key under a new master key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--resume", action="store_true",
                            help="do not generate a key; re-wrap under the current (last) key")
        parser.add_argument("--keep-old", action="store_true",
                            help="keep retired keys in the key file after re-wrapping")

    def handle(self, *args, resume: bool = False, keep_old: bool = False, **options) -> None:
        try:
            ring = crypto.load_keyring()
        except crypto.MasterKeyError as exc:
            raise CommandError(str(exc)) from exc
        from_env = bool(os.environ.get(crypto.ENV_VAR, "").strip())
        if from_env and not resume:
            raise CommandError(
                f"the master key comes from {crypto.ENV_VAR}: append the new key to it "
                "('old,new'), restart, and run this command with --resume")
        if not resume:
            path = crypto.key_file_path()
            lines = [t for t in path.read_text().splitlines() if t.strip()]
            crypto.write_key_file(path, [*lines, crypto.new_master_key_text()])
            self.stdout.write(f"New master key {crypto.load_keyring().current_id} added to "
                              f"{path}")
        result = services.rewrap_all()
        ring = crypto.load_keyring()
        in_use = services.key_ids_in_use()
        self.stdout.write(f"Re-wrapped {result['rewrapped']} report keys; "
                          f"{result['remaining']} remain under older keys.")
        retired = [kid for kid in ring.keys if kid != ring.current_id and kid not in in_use]
        if result["remaining"] or from_env or keep_old or not retired:
            if from_env and retired:
                self.stdout.write("No report uses these keys any more; remove them from "
                                  f"{crypto.ENV_VAR}: {', '.join(retired)}")
            return
        path = crypto.key_file_path()
        keep = [t for t in path.read_text().splitlines()
                if t.strip() and crypto.key_id(crypto._decode(t, str(path))) not in retired]
        crypto.write_key_file(path, keep)
        self.stdout.write(f"Removed {len(retired)} retired key(s) from {path}.")
