/**
 * The phone's composition root: the shared app controller on expo-sqlite and NetInfo, the engine's
 * foreground/background input from AppState, background sync registered while signed in, and the screens on
 * the shared TanStack Query hooks. The web build also serves `/?contract` (the driver contract, for tests).
 */

import { createBottomTabNavigator } from '@react-navigation/bottom-tabs';
import { DarkTheme, DefaultTheme, NavigationContainer } from '@react-navigation/native';
import { SelfTrackerProvider } from '@selftracker/react';
import { AppController, type AppState as ControllerState } from '@selftracker/ui/shared';
import { StatusBar } from 'expo-status-bar';
import { useEffect, useSyncExternalStore } from 'react';
import { ActivityIndicator, AppState, Platform, Text, View } from 'react-native';
import { SafeAreaProvider, SafeAreaView } from 'react-native-safe-area-context';
import { registerBackgroundSync, setLiveEngine, unregisterBackgroundSync } from './background-task.ts';
import { BenchScreen } from './bench-screen.tsx';
import { ContractScreen } from './contract-screen.tsx';
import { mobileEnvironment } from './platform.ts';
import { ProjectsScreen } from './screens/projects.tsx';
import { SignInScreen } from './screens/sign-in.tsx';
import { SyncBar } from './screens/sync-bar.tsx';
import { TasksScreen } from './screens/tasks.tsx';
import { TimerScreen } from './screens/timer.tsx';
import { useTheme } from './theme.ts';
import { Button, styles } from './ui.tsx';

const page = Platform.OS === 'web' ? (globalThis.location?.search ?? '') : '';
const contractPage = page.includes('contract');
const benchPage = page.includes('bench');
const controller = new AppController(mobileEnvironment());
// The web build exposes the engine to the benchmark (`__selftracker.engine`), as the web app does.
if (Platform.OS === 'web')
  Object.assign(globalThis, {
    __selftracker: {
      get engine() {
        return controller.state.kind === 'ready' ? controller.state.session.engine : undefined;
      },
    },
  });
const Tabs = createBottomTabNavigator();

/** Keeps the platform glue in step with the controller's state (engine for the task, task registration). */
function onStateChange(state: ControllerState, previous: ControllerState['kind'] | undefined) {
  const engine = state.kind === 'ready' ? state.session.engine : undefined;
  setLiveEngine(engine);
  if (state.kind === 'ready' && previous !== 'ready') void registerBackgroundSync().catch(() => {});
  if (state.kind === 'signed-out' && previous !== undefined) void unregisterBackgroundSync().catch(() => {});
}

let previousKind: ControllerState['kind'] | undefined;
controller.subscribe(() => {
  onStateChange(controller.state, previousKind);
  previousKind = controller.state.kind;
});

export function App() {
  if (contractPage) return <ContractScreen />;
  if (benchPage) return <BenchScreen />;
  return (
    <SafeAreaProvider>
      <Root />
    </SafeAreaProvider>
  );
}

function Root() {
  const t = useTheme();
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  useEffect(() => {
    void controller.start();
  }, []);
  useEffect(() => {
    if (state.kind !== 'ready') return;
    const engine = state.session.engine;
    const sub = AppState.addEventListener('change', (s) => engine.setForeground(s === 'active'));
    return () => sub.remove();
  }, [state]);

  return (
    <SafeAreaView style={{ flex: 1, backgroundColor: t.bg }} edges={['top', 'left', 'right']}>
      <StatusBar style={t.dark ? 'light' : 'dark'} />
      {state.kind === 'ready' ? (
        <SelfTrackerProvider engine={state.session.engine}>
          <SyncBar onSignOut={() => void controller.signOut()} />
          <NavigationContainer theme={t.dark ? DarkTheme : DefaultTheme}>
            <Tabs.Navigator
              screenOptions={{
                headerShown: false,
                tabBarLabelStyle: { fontSize: 14 },
                tabBarIconStyle: { display: 'none' },
              }}
            >
              <Tabs.Screen name="Tasks" component={TasksScreen} />
              <Tabs.Screen name="Projects" component={ProjectsScreen} />
              <Tabs.Screen name="Timer" component={TimerScreen} />
            </Tabs.Navigator>
          </NavigationContainer>
        </SelfTrackerProvider>
      ) : state.kind === 'signed-out' ? (
        <SignInScreen controller={controller} notice={state.notice} />
      ) : state.kind === 'failed' ? (
        <View style={styles.screen}>
          <Text role="alert" style={{ color: t.danger }}>
            {state.error}
          </Text>
          <Button label="Sign out" onPress={() => void controller.signOut()} />
        </View>
      ) : (
        <ActivityIndicator style={{ marginTop: 64 }} />
      )}
    </SafeAreaView>
  );
}
