/** The programmable NTP reference lives in @chronotick/reference; tests import it from here. */
export * from '@chronotick/reference';
