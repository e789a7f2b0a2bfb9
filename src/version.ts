/** The library version, kept equal to package.json's. */
export const version = '0.1.0';
