import { Alert, Platform } from 'react-native';

/** Long-press delete: the platform's confirmation (an alert on a phone, `confirm` in the web build). */
export function confirmDelete(what: string, onDelete: () => void): void {
  if (Platform.OS === 'web') {
    if (globalThis.confirm?.(`Delete "${what}"?`)) onDelete();
    return;
  }
  Alert.alert(`Delete "${what}"?`, undefined, [
    { text: 'Cancel', style: 'cancel' },
    { text: 'Delete', style: 'destructive', onPress: onDelete },
  ]);
}
