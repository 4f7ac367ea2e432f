export { msalAuthorityOptions, isMicrosoftAuthorityHost, MICROSOFT_AUTHORITY_HOSTS } from "./authority";
export { certificateMaterial, CertificateError, type CertificateMaterial } from "./certificate";
export { UndiciNetworkModule } from "./network";
export {
  BC_SCOPE,
  TokenCache,
  TokenProvider,
  decodeJwtClaims,
  staticTokenSource,
  type AccessToken,
  type TokenProviderOptions,
  type TokenSource,
} from "./token-provider";
