/** Wire codecs. The relay may import from here (envelopes and relay frames) and from src/crypto only. */
export * from './codec.js';
