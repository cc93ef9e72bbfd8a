"""An optional PAdES signature on the signed PDF, with the deployment's certificate.

When EQIA_PDF_SIGNING_KEY and EQIA_PDF_SIGNING_CERT name a PEM key and
certificate (and EQIA_PDF_SIGNING_CHAIN, optionally, the issuing chain), the
PDF stored at sign-off is signed with PAdES (B-B) by pyHanko, over the whole
file, so it can be trusted away from the service: any viewer shows whether it
was changed after the council signed it. Without them the PDF is stored
unsigned, and its SHA-256 is still kept and served.
"""

from __future__ import annotations

import io

from flask import current_app


def configured() -> bool:
    return bool(current_app.config.get("EQIA_PDF_SIGNING_KEY") and current_app.config.get("EQIA_PDF_SIGNING_CERT"))


def _signer():
    from pyhanko.sign import signers

    config = current_app.config
    chain = [p for p in (config.get("EQIA_PDF_SIGNING_CHAIN") or "").split(":") if p]
    passphrase = config.get("EQIA_PDF_SIGNING_PASSPHRASE") or None
    signer = signers.SimpleSigner.load(config["EQIA_PDF_SIGNING_KEY"], config["EQIA_PDF_SIGNING_CERT"],
                                       ca_chain_files=chain or None,
                                       key_passphrase=passphrase.encode() if passphrase else None)
    if signer is None:
        raise RuntimeError("EQIA_PDF_SIGNING_KEY and EQIA_PDF_SIGNING_CERT could not be read as a key and "
                           "certificate (PEM)")
    return signer


def sign(data: bytes, *, reason: str, name: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name="CouncilSignature", reason=reason, name=name,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.sign_pdf(writer, meta, signer=_signer())
    return out.getvalue()
