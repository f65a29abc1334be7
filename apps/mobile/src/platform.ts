/**
 * The phone's platform for the shared app controller: expo-sqlite (one database per user), NetInfo for
 * connectivity, and a key-value store for "who is signed in here" (localStorage on the web build).
 */
import { keyValueTokenStore, type TokenStore } from '@selftracker/client';
import { openExpoDriver } from '@selftracker/client/expo';
import { type AppEnvironment, databaseFile, soleOwnerLock } from '@selftracker/ui/shared';
import * as SecureStore from 'expo-secure-store';
import { Storage } from 'expo-sqlite/kv-store';
import { Platform } from 'react-native';
import { createNetInfoConnectivity } from './connectivity.ts';

/** The server the sign-in screen proposes: where the web build is served from, or a local server. */
const SERVER_KEY = 'selftracker.server';
const DEFAULT_SERVER =
  Platform.OS === 'web' && globalThis.location
    ? `http://${globalThis.location.hostname}:8787`
    : 'http://localhost:8787';

export const storage: AppEnvironment['storage'] =
  Platform.OS === 'web'
    ? globalThis.localStorage
    : {
        getItem: (k) => Storage.getItemSync(k),
        setItem: (k, v) => Storage.setItemSync(k, v),
        removeItem: (k) => void Storage.removeItemSync(k),
      };

/**
 * A user's tokens: in the Keychain (iOS) or the Keystore (Android) through expo-secure-store; on the web build
 * in their database, as the web app keeps them (undefined: the engine's default).
 */
export function tokenStore(userId: string): TokenStore | undefined {
  if (Platform.OS === 'web') return undefined;
  return keyValueTokenStore(SecureStore, `selftracker.${userId}`);
}

export function mobileEnvironment(): AppEnvironment {
  return {
    server: { default: DEFAULT_SERVER },
    storage,
    platform: {
      // One app process owns its databases (a second web tab of the web build is not a supported setup).
      lockDatabase: async () => soleOwnerLock(),
      openDriver: (userId) => openExpoDriver(databaseFile(userId)),
      tokenStore,
      // The controller remembers the chosen server before it opens the user's database.
      createConnectivity: () => createNetInfoConnectivity(storage.getItem(SERVER_KEY) ?? DEFAULT_SERVER),
    },
  };
}
