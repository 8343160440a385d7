"""Resident and enterprise codes (居民码/企业码): issue a short-lived, single-use code in
three presentations (signed QR payload, Code 128 barcode, digits) and resolve it at the
counter."""
