// Package light keeps the kiosk screen readable without glare: it reads a BH1750
// ambient-light sensor, drives a Linux backlight, and decides between the two with a
// Controller that follows the room's light slowly and blanks the screen when nobody
// has touched it for a while.
package light
