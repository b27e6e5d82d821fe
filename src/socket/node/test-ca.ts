/**
 * A certificate authority made at run time, for TLS between simulated hosts: keys from
 * node:crypto, X.509 v3 certificates (RFC 5280) written with our own DER encoder, PEM out.
 * No files, no openssl, no npm packages. Node-side tooling: validity defaults to real time
 * (now - 1 day .. now + 1 year) because Node's TLS checks certificates against the real clock,
 * not the simulator's.
 */
import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from "node:crypto";
import { parseIp } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import {
  bitString,
  boolean,
  contextTag,
  type Der,
  ia5Bytes,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  unsignedInteger,
  utf8String,
  x509Time,
} from "./der.js";

/** Key algorithms the authority can use. P-256 ECDSA is what every TLS stack accepts. */
export type TestKeyType = "ec-p256" | "ed25519";

/** What goes into a certificate besides its key. */
export interface CertificateOptions {
  /** Subject common name (RFC 5280 §4.1.2.6); clients match names against the SAN, not this. */
  commonName: string;
  /** DNS names for subjectAltName (leaf certificates). */
  dnsNames?: readonly string[];
  /** IPv4 or IPv6 addresses for subjectAltName, as text. */
  ipAddresses?: readonly string[];
  /** Start of validity (default: now - 1 day, real time). */
  notBefore?: Date;
  /** End of validity (default: now + 365 days, real time). */
  notAfter?: Date;
  /** Serial number as big-endian bytes (default: 16 random bytes, top bit clear). */
  serial?: Uint8Array;
  /** Key algorithm (default "ec-p256"). */
  keyType?: TestKeyType;
}

/** A certificate and its private key. */
export interface IssuedCertificate {
  /** The certificate, PEM ("-----BEGIN CERTIFICATE-----"). */
  cert: string;
  /** The private key, PKCS #8 PEM. */
  key: string;
  /** The certificate's DER bytes. */
  der: Uint8Array;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const DAY_MS = 86_400_000;

/** OIDs (RFC 5280 §4.1.2.4, §4.2.1; RFC 5758 §3.2; RFC 8410 §3). */
const OID = {
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ed25519: "1.3.101.112",
} as const;

/** keyUsage bit numbers (RFC 5280 §4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** A test certificate authority: a self-signed root that issues leaf certificates. */
export class TestCertificateAuthority implements IssuedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly der: Uint8Array;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  private readonly name: Der;
  private readonly keyId: Uint8Array;

  /** Makes a new root with a fresh key; `commonName` defaults to "wirelab test CA". */
  constructor(options: Partial<CertificateOptions> = {}) {
    const keys = newKeyPair(options.keyType ?? "ec-p256");
    this.privateKey = keys.privateKey;
    this.publicKey = keys.publicKey;
    this.name = distinguishedName(options.commonName ?? "wirelab test CA");
    this.keyId = keyIdentifier(keys.publicKey);
    this.der = buildCertificate({
      options,
      subject: this.name,
      subjectKey: keys.publicKey,
      issuer: this.name,
      issuerKey: keys.privateKey,
      issuerKeyId: this.keyId,
      authority: true,
    });
    this.cert = pem("CERTIFICATE", this.der);
    this.key = privateKeyPem(keys.privateKey);
  }

  /** Issues a leaf certificate (server or client) with a fresh key, signed by this authority. */
  issue(options: CertificateOptions): IssuedCertificate {
    const keys = newKeyPair(options.keyType ?? "ec-p256");
    const der = buildCertificate({
      options,
      subject: distinguishedName(options.commonName),
      subjectKey: keys.publicKey,
      issuer: this.name,
      issuerKey: this.privateKey,
      issuerKeyId: this.keyId,
      authority: false,
    });
    return {
      cert: pem("CERTIFICATE", der),
      key: privateKeyPem(keys.privateKey),
      der,
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
    };
  }

  /** This authority's certificate as Node's X509Certificate. */
  x509(): X509Certificate {
    return new X509Certificate(this.cert);
  }
}

/** Makes a test certificate authority (see TestCertificateAuthority). */
export function createTestCa(options: Partial<CertificateOptions> = {}): TestCertificateAuthority {
  return new TestCertificateAuthority(options);
}

interface Build {
  options: Partial<CertificateOptions>;
  subject: Der;
  subjectKey: KeyObject;
  issuer: Der;
  issuerKey: KeyObject;
  issuerKeyId: Uint8Array;
  authority: boolean;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (§4.1). */
function buildCertificate(b: Build): Uint8Array {
  const o = b.options;
  const now = Date.now();
  const notBefore = o.notBefore ?? new Date(now - DAY_MS);
  const notAfter = o.notAfter ?? new Date(now + 365 * DAY_MS);
  if (notAfter.getTime() < notBefore.getTime())
    throw new RangeError("notAfter is before notBefore");
  const algorithm = signatureAlgorithm(b.issuerKey);
  const spki = new Uint8Array(b.subjectKey.export({ type: "spki", format: "der" }));
  const extensions = b.authority
    ? [
        // §4.2.1.9: cA TRUE, critical in a CA certificate.
        extension(OID.basicConstraints, true, sequence(boolean(true))),
        extension(
          OID.keyUsage,
          true,
          namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
        ),
        extension(OID.subjectKeyIdentifier, false, octetString(b.issuerKeyId)),
      ]
    : [
        // §4.2.1.9: an empty SEQUENCE means cA FALSE (the DEFAULT is never encoded in DER).
        extension(OID.basicConstraints, true, sequence()),
        extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature])),
        extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), oid(OID.clientAuth))),
        ...subjectAltName(o.dnsNames ?? [], o.ipAddresses ?? []),
        extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(b.subjectKey))),
        // §4.2.1.1: keyIdentifier [0] IMPLICIT OCTET STRING.
        extension(OID.authorityKeyIdentifier, false, sequence(contextTag(0, false, b.issuerKeyId))),
      ];
  const tbs = sequence(
    contextTag(0, true, smallInteger(2)), // version [0] EXPLICIT v3 (§4.1.2.1)
    unsignedInteger(o.serial ?? serialNumber()),
    algorithm,
    b.issuer,
    sequence(x509Time(notBefore), x509Time(notAfter)),
    b.subject,
    spki,
    contextTag(3, true, sequence(...extensions)), // extensions [3] EXPLICIT (§4.1.2.9)
  );
  const digest = b.issuerKey.asymmetricKeyType === "ed25519" ? null : "sha256";
  const signature = new Uint8Array(sign(digest, tbs, b.issuerKey));
  return sequence(tbs, algorithm, bitString(signature));
}

/** AlgorithmIdentifier with parameters absent, as RFC 5758 §3.2 and RFC 8410 §3 require. */
function signatureAlgorithm(key: KeyObject): Der {
  return sequence(oid(key.asymmetricKeyType === "ed25519" ? OID.ed25519 : OID.ecdsaWithSha256));
}

/** Name ::= SEQUENCE OF SET OF AttributeTypeAndValue; just a common name here (§4.1.2.4). */
function distinguishedName(commonName: string): Der {
  if (commonName.length === 0 || commonName.length > 64) {
    throw new RangeError("common name must be 1..64 characters (RFC 5280 ub-common-name)");
  }
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extension(id: string, critical: boolean, value: Der): Der {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** subjectAltName with dNSName [2] and iPAddress [7] entries (§4.2.1.6); none when empty. */
function subjectAltName(dnsNames: readonly string[], ipAddresses: readonly string[]): Der[] {
  const names: Der[] = [];
  for (const name of dnsNames) {
    if (!/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(name)) {
      throw new RangeError(`not a DNS name for a certificate: ${JSON.stringify(name)}`);
    }
    names.push(contextTag(2, false, ia5Bytes(name)));
  }
  for (const text of ipAddresses) {
    const address = parseIp(text);
    if (address instanceof ParseError) throw new RangeError(`not an IP address: ${text}`);
    const bytes =
      address.family === 4
        ? Uint8Array.of(
            address.v4 >>> 24,
            (address.v4 >>> 16) & 255,
            (address.v4 >>> 8) & 255,
            address.v4 & 255,
          )
        : address.toBytes();
    names.push(contextTag(7, false, bytes));
  }
  return names.length === 0 ? [] : [extension(OID.subjectAltName, false, sequence(...names))];
}

/** §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
function keyIdentifier(key: KeyObject): Uint8Array {
  const spki = new Uint8Array(key.export({ type: "spki", format: "der" }));
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
  const outer = header(spki, 0);
  const algorithm = header(spki, outer.contents);
  const bits = header(spki, algorithm.contents + algorithm.length);
  const value = spki.subarray(bits.contents + 1, bits.contents + bits.length); // skip unused-bits byte
  return new Uint8Array(createHash("sha1").update(value).digest());
}

/** Tag and length of the DER value at `at` (input from Node's own export, so well formed). */
function header(b: Uint8Array, at: number): { contents: number; length: number } {
  const first = b[at + 1]!;
  if (first < 0x80) return { contents: at + 2, length: first };
  let length = 0;
  const count = first & 0x7f;
  for (let i = 0; i < count; i++) length = length * 256 + b[at + 2 + i]!;
  return { contents: at + 2 + count, length };
}

/**
 * 16 random bytes, the first in 1..127: a positive, non-zero INTEGER of exactly 16 octets, within
 * the 20 that §4.1.2.2 allows.
 */
function serialNumber(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

function newKeyPair(type: TestKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  return type === "ed25519"
    ? generateKeyPairSync("ed25519")
    : generateKeyPairSync("ec", { namedCurve: "P-256" });
}

function privateKeyPem(key: KeyObject): string {
  return String(key.export({ type: "pkcs8", format: "pem" }));
}

/** RFC 7468 §2: base64 in 64-character lines between BEGIN and END labels. */
function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
