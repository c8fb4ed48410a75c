#!/usr/bin/env python3
"""Makes COUNT certbot-style lineages with DISTINCT certificates, for the
renew pass against an ARI-answering CA (bench/run).

    make_ari_lineages.py DST_CONFIG COUNT SERVER_URL

make_lineages.py copies one certificate, so every copy would share one ARI
certificate id (RFC 9773 §4.1: authority key identifier + serial) and a
client could answer them all with one request. Here each lineage ari-i gets
its own leaf (its own serial) from one throwaway issuer, valid for 90 days
from now (not due by the local rule, renew_before_expiry = 10 days), with
one shared P-256 key (renew only checks that it matches). The renewal conf
points at SERVER_URL. Uses python3-cryptography (a dependency of Debian's
certbot, which bench/run installs).
"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

dst, count, server = os.path.abspath(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
now = datetime.datetime.now(datetime.timezone.utc)
issuer_key = ec.generate_private_key(ec.SECP256R1())
issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench ARI issuer")])
ski = x509.SubjectKeyIdentifier.from_public_key(issuer_key.public_key())
issuer = (x509.CertificateBuilder().subject_name(issuer_name).issuer_name(issuer_name)
          .public_key(issuer_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(ski, critical=False)
          .sign(issuer_key, hashes.SHA256()))
chain_pem = issuer.public_bytes(serialization.Encoding.PEM)
leaf_key = ec.generate_private_key(ec.SECP256R1())
key_pem = leaf_key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)

for d in ("archive", "live", "renewal"):
    os.makedirs(os.path.join(dst, d), exist_ok=True)
for i in range(1, count + 1):
    name = f"ari-{i}"
    host = f"{name}.example.com"
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(issuer_name).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(aki, critical=False)
            .sign(issuer_key, hashes.SHA256()))
    cert_pem = leaf.public_bytes(serialization.Encoding.PEM)
    archive = os.path.join(dst, "archive", name)
    live = os.path.join(dst, "live", name)
    os.mkdir(archive, 0o700)
    os.mkdir(live, 0o755)
    files = {"cert": cert_pem, "chain": chain_pem, "fullchain": cert_pem + chain_pem,
             "privkey": key_pem}
    for kind, data in files.items():
        with open(os.path.join(archive, f"{kind}1.pem"), "wb") as f:
            f.write(data)
        os.symlink(f"../../archive/{name}/{kind}1.pem", os.path.join(live, f"{kind}.pem"))
    with open(os.path.join(dst, "renewal", name + ".conf"), "w") as f:
        f.write(f"""renew_before_expiry = 10 days
version = 2.1.0
archive_dir = {archive}
cert = {live}/cert.pem
privkey = {live}/privkey.pem
chain = {live}/chain.pem
fullchain = {live}/fullchain.pem

[renewalparams]
account = 00000000000000000000000000000000
authenticator = standalone
server = {server}
key_type = ecdsa
""")
