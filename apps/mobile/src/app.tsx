import { Platform, Text } from 'react-native';
import { ContractScreen } from './contract-screen.tsx';

const contractPage = Platform.OS === 'web' && globalThis.location?.search.includes('contract');

export function App() {
  if (contractPage) return <ContractScreen />;
  return <Text>SelfTracker</Text>;
}
