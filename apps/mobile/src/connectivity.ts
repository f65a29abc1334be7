/** Connectivity on a phone: NetInfo (see netinfo-connectivity.ts) checking the server's `/v1/health`. */

import NetInfo from '@react-native-community/netinfo';
import type { BrowserConnectivity } from '@selftracker/client/browser-connectivity';
import { netInfoConnectivity } from './netinfo-connectivity.ts';

export function createNetInfoConnectivity(server: string): BrowserConnectivity {
  return netInfoConnectivity(NetInfo, server);
}
