// Expo's Metro config already knows npm workspaces (SDK 52+). expo-sqlite's web build loads wa-sqlite's
// .wasm as an asset, which Metro must be told about.
const { getDefaultConfig } = require('expo/metro-config');

const config = getDefaultConfig(__dirname);
config.resolver.assetExts.push('wasm');
module.exports = config;
