/**
 * OpenSSL's X509_V_ERR numbers for the verification errors Node names by their suffix
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`), so %{ssl_verify_result} prints what curl prints for the same
 * certificate. Node checks host names itself (ERR_TLS_CERT_ALTNAME_INVALID): OpenSSL's 62.
 */
const X509_VERIFY_CODES: Readonly<Record<string, number>> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_GET_CRL: 3,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 4,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 6,
  CERT_SIGNATURE_FAILURE: 7,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 13,
  ERROR_IN_CERT_NOT_AFTER_FIELD: 14,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  CERT_CHAIN_TOO_LONG: 22,
  CERT_REVOKED: 23,
  INVALID_CA: 24,
  PATH_LENGTH_EXCEEDED: 25,
  INVALID_PURPOSE: 26,
  CERT_UNTRUSTED: 27,
  CERT_REJECTED: 28,
  ERR_TLS_CERT_ALTNAME_INVALID: 62,
  HOSTNAME_MISMATCH: 62,
}

/** X509_V_ERR_UNSPECIFIED, for a failure the table does not name. */
const UNSPECIFIED = 1

/** The OpenSSL verify result for Node's verification error `code` (undefined: verified, 0). */
export function verifyResult(code: string | undefined): number {
  if (code === undefined) return 0
  return X509_VERIFY_CODES[code] ?? UNSPECIFIED
}
