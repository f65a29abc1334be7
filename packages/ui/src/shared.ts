/**
 * The platform-free part of the front end, shared with the React Native app (`@selftracker/ui/shared`): the
 * app controller, the sync indicator's wording, formatting and labels. No DOM rendering is imported here.
 */
export * from './app-controller.ts';
export * from './calendar-date.ts';
export * from './due-format.ts';
export * from './format.ts';
export * from './labels.ts';
export * from './new-task.ts';
export * from './quick-add.ts';
export { describeSync } from './sync-indicator.tsx';
export * from './task-views.ts';
