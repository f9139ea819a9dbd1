import { createContext, useContext } from "react";

/**
 * The CSP nonce of this response, for the scripts Remix renders inline. Only
 * the server provides it; browsers hide nonces from the DOM, so the client
 * renders an empty one.
 */
export const NonceContext = createContext("");
export const useNonce = () => useContext(NonceContext);
