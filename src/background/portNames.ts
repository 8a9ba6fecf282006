/** The runtime Port a content script opens to the worker; the worker refuses other names. */
export const PAGE_PORT_NAME = 'parley-page';
