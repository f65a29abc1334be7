import { useColorScheme } from 'react-native';

/** The app's colours, light and dark (follows the system setting). */
export interface Theme {
  dark: boolean;
  bg: string;
  card: string;
  text: string;
  muted: string;
  border: string;
  accent: string;
  danger: string;
  ok: string;
  warn: string;
}

const light: Theme = {
  dark: false,
  bg: '#f4f5f7',
  card: '#ffffff',
  text: '#16202a',
  muted: '#5b6672',
  border: '#d5d9de',
  accent: '#1d4ed8',
  danger: '#b42318',
  ok: '#2e7d5b',
  warn: '#b5651d',
};

const dark: Theme = {
  dark: true,
  bg: '#0f1419',
  card: '#1a2129',
  text: '#e7ecf1',
  muted: '#9aa6b2',
  border: '#2c3640',
  accent: '#6b9bff',
  danger: '#ff6b5e',
  ok: '#5cc794',
  warn: '#f0a35e',
};

export function useTheme(): Theme {
  return useColorScheme() === 'dark' ? dark : light;
}

/** The smallest touch target (Apple's 44 pt, Material's 48 dp is close). */
export const TOUCH = 44;
