"""``wuzheng rescode …`` and ``python -m wuzheng.rescode …``."""

import typer

from wuzheng.rescode.app import DEFINITION
from wuzheng.rescode.keys import new_data_key, new_signing_seed, public_key_of
from wuzheng.service import service_cli

app = service_cli(DEFINITION)


@app.command()
def keygen() -> None:
    """Print fresh RESCODE_SIGNING_KEY and RESCODE_DATA_KEY values (and the signing key's
    public key, for RESCODE_RETIRED_PUBLIC_KEYS after the next rotation)."""
    seed = new_signing_seed()
    typer.echo(f"RESCODE_SIGNING_KEY={seed}")
    typer.echo(f"RESCODE_DATA_KEY={new_data_key()}")
    typer.echo(f"# public key of this signing key: {public_key_of(seed)}")
