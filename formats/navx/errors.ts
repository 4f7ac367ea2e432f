/** BC's own message for bytes that are not an extension package (an upload of bad bytes: https://github.com/microsoft/navcontainerhelper/issues/3659). */
export const NOT_AN_EXTENSION_MESSAGE = "The specified file is not an extension file.";

/**
 * Bytes that are not a readable `.app` package. The message is BC's; `reason` says what was wrong, for the
 * provider's error messages, logs and tests (the emulator never puts it on the wire, as BC does not).
 */
export class NotAnExtensionFileError extends Error {
  constructor(readonly reason: string) {
    super(NOT_AN_EXTENSION_MESSAGE);
    this.name = "NotAnExtensionFileError";
  }
}
